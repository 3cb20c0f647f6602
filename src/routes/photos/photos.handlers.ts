import type { RouteHandler } from "@hono/zod-openapi";
import { readBodyLimited } from "../../lib/read-body";
import * as photos from "../../services/photos";
import type { AppEnv } from "../../types";
import type { deletePhoto, getPhoto, putPhoto, servePhoto } from "./photos.routes";

export const putPhotoHandler: RouteHandler<typeof putPhoto, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const bytes = await readBodyLimited(c.req.raw, photos.MAX_PHOTO_BYTES);
  return c.json(await photos.putPhoto(c.var, c.var.auth, id, bytes), 200);
};

export const getPhotoHandler: RouteHandler<typeof getPhoto, AppEnv> = async (c) =>
  c.redirect(await photos.photoRedirect(c.var, c.var.auth, c.req.valid("param").id), 302);

export const deletePhotoHandler: RouteHandler<typeof deletePhoto, AppEnv> = async (c) => {
  await photos.deletePhoto(c.var, c.var.auth, c.req.valid("param").id);
  return c.body(null, 204);
};

export const servePhotoHandler: RouteHandler<typeof servePhoto, AppEnv> = async (c) => {
  const { object, expires } = await photos.openSignedPhoto(
    c.var,
    c.req.valid("param").key,
    c.req.valid("query"),
  );
  const maxAge = Math.max(0, expires - Math.floor(Date.now() / 1000));
  const headers = {
    "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream",
    // The URL is the permission: only the browser keeps a copy, and no longer than the URL lives.
    "Cache-Control": `private, max-age=${maxAge}`,
    ETag: object.httpEtag,
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Content-Disposition": "inline",
  };
  if (c.req.header("if-none-match") === object.httpEtag) {
    object.body.cancel();
    return c.body(null, 304, headers);
  }
  return c.body(object.body, 200, { ...headers, "Content-Length": String(object.size) });
};
