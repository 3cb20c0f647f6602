import { createRoute, z } from "@hono/zod-openapi";
import { authenticated, json, problems } from "../../lib/openapi";
import { IdParamSchema, LogSchema } from "../logs/logs.schemas";

const tags = ["Meal photos"];

const binary = z.string().meta({ format: "binary" });
const imageBody = {
  required: true,
  content: {
    "image/jpeg": { schema: binary },
    "image/png": { schema: binary },
    "image/webp": { schema: binary },
  },
};

export const putPhoto = createRoute({
  method: "put",
  path: "/v1/logs/{id}/photo",
  tags,
  summary: "Upload the meal's photo",
  description:
    "The body is the image itself: JPEG, PNG or WebP, at most 5 MiB. Its type is judged from its bytes, never from `Content-Type`. EXIF (GPS position, camera serials), XMP and text metadata are removed before it is stored; the pixels are kept as they are. Replaces an earlier photo. Counts as a write (per-user write limit). Answers the log, whose `photoUrl` is a signed URL valid for at least an hour.",
  security: authenticated,
  request: { params: IdParamSchema, body: imageBody },
  responses: {
    200: json(LogSchema, "The log, with its photo"),
    ...problems(400, 401, 403, 404, 413, 415, 429, 503),
    413: { ...problems(413)[413], description: "Image larger than 5 MiB." },
    415: { ...problems(415)[415], description: "The bytes are not a JPEG, PNG or WebP image." },
  },
});

export const getPhoto = createRoute({
  method: "get",
  path: "/v1/logs/{id}/photo",
  tags,
  summary: "Go to the meal's photo",
  description: "Redirects the owner to a freshly signed URL of the stored photo.",
  security: authenticated,
  request: { params: IdParamSchema },
  responses: {
    302: {
      description: "The signed URL of the photo",
      headers: { Location: { schema: { type: "string", format: "uri" } } },
    },
    ...problems(400, 401, 404, 503),
  },
});

export const deletePhoto = createRoute({
  method: "delete",
  path: "/v1/logs/{id}/photo",
  tags,
  summary: "Remove the meal's photo",
  description: "The log's `photoUrl` becomes null; a stored image is deleted from storage.",
  security: authenticated,
  request: { params: IdParamSchema },
  responses: { 204: { description: "Removed" }, ...problems(400, 401, 404, 429, 503) },
});

export const PhotoKeyParamSchema = z.object({
  key: z.string().max(200).meta({ description: "The photo's key, as in a signed `photoUrl`." }),
});

export const SignatureQuerySchema = z.object({
  exp: z.string().max(20).optional().meta({ description: "Expiry (Unix seconds), part of the signed URL." }),
  sig: z.string().max(100).optional().meta({ description: "Signature, part of the signed URL." }),
});

export const servePhoto = createRoute({
  method: "get",
  path: "/v1/photos/{key}",
  tags,
  summary: "A photo, by its signed URL",
  description:
    "What a log's `photoUrl` points at: no cookie or token needed (the URL is the permission), so an `<img>` on another origin shows it. An expired or tampered URL is 403 and never the image; a deleted photo is 404. `Cache-Control` lets the browser keep it until the URL expires.",
  security: [],
  request: { params: PhotoKeyParamSchema, query: SignatureQuerySchema },
  responses: {
    200: {
      description: "The image",
      headers: {
        "Cache-Control": { schema: { type: "string" } },
        ETag: { schema: { type: "string" } },
      },
      content: {
        "image/jpeg": { schema: binary },
        "image/png": { schema: binary },
        "image/webp": { schema: binary },
      },
    },
    304: { description: "Not modified (If-None-Match)" },
    ...problems(403, 404, 503),
  },
});
