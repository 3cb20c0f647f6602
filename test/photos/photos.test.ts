import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE_URL, call, callJson } from "../helpers/http";
import { deleteLog, getLog, listLogs, logMeal, patchLog } from "../helpers/logs";
import {
  bytesOf,
  containsAscii,
  fetchPhoto,
  jpegImageData,
  photoPath,
  pngChunks,
  uploadPhoto,
  userWithLog,
  webpChunks,
} from "../helpers/photos";
import { newUser } from "../helpers/users";
import { eventually } from "../helpers/wait";
import { MEAL_JPEG, MEAL_PNG, MEAL_PROGRESSIVE_JPEG, MEAL_WEBP } from "./fixtures";

const SIGNED_URL =
  /^http:\/\/localhost:8787\/v1\/photos\/[0-9a-f-]{36}_[0-9a-f-]{36}_[0-9a-f-]{36}\.(jpg|png|webp)\?exp=\d+&sig=[\w-]+$/;

describe("PUT /v1/logs/:id/photo: happy path", () => {
  it("stores a JPEG without its EXIF, GPS, serials, XMP, IPTC or comment, pixels byte for byte", async () => {
    const { user, log } = await userWithLog();
    const { status, body } = await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
    expect(status).toBe(200);
    expect(body.id).toBe(log.id);
    expect(body.photoUrl).toMatch(SIGNED_URL);
    expect(body).not.toHaveProperty("photoKey");

    const served = await fetchPhoto(body.photoUrl as string);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/jpeg");
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(served.headers.get("etag")).toBeTruthy();
    const maxAge = Number(/max-age=(\d+)/.exec(served.headers.get("cache-control") ?? "")?.[1]);
    expect(served.headers.get("cache-control")).toMatch(/^private, /);
    expect(maxAge).toBeGreaterThanOrEqual(3600);
    expect(maxAge).toBeLessThanOrEqual(7200);
    const stored = await bytesOf(served);
    for (const secret of [
      "Exif",
      "CAM-0042-SECRET",
      "LENS-77",
      "Kim Secret",
      "home kitchen",
      "taken at home",
      "Photoshop",
      "http://ns.adobe.com/xap",
    ])
      expect(containsAscii(stored, secret), secret).toBe(false);
    expect(containsAscii(MEAL_JPEG, "CAM-0042-SECRET")).toBe(true); // the fixture did carry them
    expect(jpegImageData(stored)).toEqual(jpegImageData(MEAL_JPEG));
    expect(containsAscii(stored, "JFIF")).toBe(true);
  });

  it("keeps every scan of a progressive JPEG", async () => {
    const { user, log } = await userWithLog();
    const { status, body } = await uploadPhoto(user.accessToken, log.id, MEAL_PROGRESSIVE_JPEG);
    expect(status).toBe(200);
    const stored = await bytesOf(await fetchPhoto(body.photoUrl as string));
    expect(containsAscii(stored, "CAM-PROG-1")).toBe(false);
    expect(jpegImageData(stored)).toEqual(jpegImageData(MEAL_PROGRESSIVE_JPEG));
  });

  it("stores a PNG without text, XMP or eXIf chunks, image chunks untouched", async () => {
    const { user, log } = await userWithLog();
    const { status, body } = await uploadPhoto(user.accessToken, log.id, MEAL_PNG, "image/png");
    expect(status).toBe(200);
    const served = await fetchPhoto(body.photoUrl as string);
    expect(served.headers.get("content-type")).toBe("image/png");
    const stored = await bytesOf(served);
    const types = pngChunks(stored).map((chunk) => chunk.type);
    expect(pngChunks(MEAL_PNG).map((chunk) => chunk.type)).toEqual(expect.arrayContaining(["tEXt", "eXIf"]));
    for (const type of ["tEXt", "iTXt", "zTXt", "eXIf", "tIME"]) expect(types).not.toContain(type);
    expect(types[0]).toBe("IHDR");
    expect(types.at(-1)).toBe("IEND");
    const idat = (bytes: Uint8Array) =>
      pngChunks(bytes)
        .filter((chunk) => chunk.type === "IDAT")
        .map((chunk) => [...chunk.data]);
    expect(idat(stored)).toEqual(idat(MEAL_PNG));
    expect(containsAscii(stored, "Kim Secret")).toBe(false);
  });

  it("stores a WebP without EXIF or XMP chunks and clears their VP8X flags", async () => {
    const { user, log } = await userWithLog();
    const { status, body } = await uploadPhoto(user.accessToken, log.id, MEAL_WEBP, "image/webp");
    expect(status).toBe(200);
    const stored = await bytesOf(await fetchPhoto(body.photoUrl as string));
    expect(webpChunks(MEAL_WEBP)).toEqual(expect.arrayContaining(["EXIF", "XMP "]));
    expect(webpChunks(stored)).not.toContain("EXIF");
    expect(webpChunks(stored)).not.toContain("XMP ");
    expect((stored[20] as number) & 0x0c).toBe(0); // VP8X flags: no EXIF (0x08), no XMP (0x04)
    const riffSize = new DataView(stored.buffer, stored.byteOffset).getUint32(4, true);
    expect(riffSize + 8).toBe(stored.length);
  });

  it("answers the photo as a freshly signed URL on every read of the log, list and export included", async () => {
    const { user, log } = await userWithLog();
    await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
    const read = await getLog(user.accessToken, log.id);
    expect(read.body.photoUrl).toMatch(SIGNED_URL);
    const page = await listLogs(user.accessToken);
    expect(page.body.items[0]?.photoUrl).toMatch(SIGNED_URL);
    const exported = await callJson("/v1/users/me/export", { token: user.accessToken });
    expect(exported.body.logs[0].photoUrl).toMatch(SIGNED_URL);
    expect((await fetchPhoto(read.body.photoUrl as string)).status).toBe(200);
  });

  it("GET /v1/logs/:id/photo redirects the owner to a signed URL", async () => {
    const { user, log } = await userWithLog();
    await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
    // As a browser's fetch with redirect: "manual" sees it (the Worker's fetch would follow it).
    const response = await exports.default.fetch(
      new Request(new URL(photoPath(log.id), BASE_URL), {
        headers: { authorization: `Bearer ${user.accessToken}` },
        redirect: "manual",
      }),
    );
    expect(response.status).toBe(302);
    const location = response.headers.get("location") as string;
    expect(location).toMatch(SIGNED_URL);
    expect((await fetchPhoto(location)).status).toBe(200);
  });

  it("answers 304 to a matching If-None-Match", async () => {
    const { user, log } = await userWithLog();
    const { body } = await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
    const first = await fetchPhoto(body.photoUrl as string);
    const again = await fetchPhoto(body.photoUrl as string, {
      "if-none-match": first.headers.get("etag") as string,
    });
    expect(again.status).toBe(304);
  });
});

describe("photo lifecycle: nothing left behind", () => {
  it("replacing a photo deletes the old object: its URL answers 404", async () => {
    const { user, log } = await userWithLog();
    const first = await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
    const second = await uploadPhoto(user.accessToken, log.id, MEAL_PNG, "image/png");
    expect(second.status).toBe(200);
    expect(second.body.photoUrl).not.toBe(first.body.photoUrl);
    await eventually(async () => (await fetchPhoto(first.body.photoUrl as string)).status === 404);
    expect((await fetchPhoto(second.body.photoUrl as string)).status).toBe(200);
  });

  it("DELETE /v1/logs/:id/photo: 204, photoUrl null, the object gone", async () => {
    const { user, log } = await userWithLog();
    const { body } = await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
    const removed = await call(photoPath(log.id), { method: "DELETE", token: user.accessToken });
    expect(removed.status).toBe(204);
    expect((await getLog(user.accessToken, log.id)).body.photoUrl).toBeNull();
    await eventually(async () => (await fetchPhoto(body.photoUrl as string)).status === 404);
    expect((await call(photoPath(log.id), { token: user.accessToken })).status).toBe(404);
  });

  it("deleting the log deletes the object", async () => {
    const { user, log } = await userWithLog();
    const { body } = await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
    expect((await deleteLog(user.accessToken, log.id)).status).toBe(204);
    await eventually(async () => (await fetchPhoto(body.photoUrl as string)).status === 404);
  });

  it("deleting the account deletes every object of it", async () => {
    const user = await newUser();
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { log } = await logMeal(user.accessToken);
      urls.push((await uploadPhoto(user.accessToken, log.id, MEAL_JPEG)).body.photoUrl as string);
    }
    const deleted = await call("/v1/users/me", {
      method: "DELETE",
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(deleted.status).toBe(204);
    for (const url of urls) await eventually(async () => (await fetchPhoto(url)).status === 404);
  });

  it("linking a photo by URL (PATCH photoUrl) replaces a stored one and deletes its object", async () => {
    const { user, log } = await userWithLog();
    const { body } = await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
    const patched = await patchLog(user.accessToken, log.id, {
      photoUrl: "https://images.example.com/lunch.jpg",
    });
    expect(patched.status).toBe(200);
    expect(patched.body.log.photoUrl).toBe("https://images.example.com/lunch.jpg");
    await eventually(async () => (await fetchPhoto(body.photoUrl as string)).status === 404);
  });
});
