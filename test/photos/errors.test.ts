import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers/http";
import { getLog } from "../helpers/logs";
import {
  ascii,
  bytesOf,
  concat,
  containsAscii,
  fetchPhoto,
  photoPath,
  uploadPhoto,
  userWithLog,
} from "../helpers/photos";
import { newUser } from "../helpers/users";
import { MEAL_JPEG, MEAL_PNG } from "./fixtures";

const FIVE_MIB = 5 * 1024 * 1024;

/** The upload was refused with `status` and the log has no photo. */
async function expectRefused(result: { response: Response }, status: number, token: string, logId: string) {
  await expectProblem(result.response, status);
  expect((await getLog(token, logId)).body.photoUrl).toBeNull();
}

describe("PUT /v1/logs/:id/photo: what is not an accepted image is 415 and stores nothing", () => {
  const cases: [string, Uint8Array, string][] = [
    ["text with an image content type", ascii("definitely not a picture"), "image/jpeg"],
    [
      "an SVG (scriptable)",
      ascii('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      "image/svg+xml",
    ],
    ["an SVG sent as image/png", ascii('<svg xmlns="http://www.w3.org/2000/svg"/>'), "image/png"],
    ["a GIF", ascii("GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;"), "image/gif"],
    [
      "HTML behind a JPEG's magic number",
      concat(new Uint8Array([0xff, 0xd8, 0xff]), ascii("<html><script>alert(1)</script>")),
      "image/jpeg",
    ],
    ["a JPEG cut short", MEAL_JPEG.subarray(0, 600), "image/jpeg"],
    ["a PNG cut short", MEAL_PNG.subarray(0, 100), "image/png"],
    ["a PNG signature alone", MEAL_PNG.subarray(0, 8), "image/png"],
    [
      "a RIFF that is not WebP",
      concat(ascii("RIFF"), new Uint8Array([4, 0, 0, 0]), ascii("WAVE")),
      "image/webp",
    ],
    ["an empty body", new Uint8Array(), "image/jpeg"],
  ];
  for (const [name, bytes, type] of cases) {
    it(name, async () => {
      const { user, log } = await userWithLog();
      await expectRefused(
        await uploadPhoto(user.accessToken, log.id, bytes, type),
        415,
        user.accessToken,
        log.id,
      );
    });
  }

  it("judges the bytes, not the header: a PNG sent as image/jpeg is stored as a PNG", async () => {
    const { user, log } = await userWithLog();
    const { status, body } = await uploadPhoto(user.accessToken, log.id, MEAL_PNG, "image/jpeg");
    expect(status).toBe(200);
    expect((await fetchPhoto(body.photoUrl as string)).headers.get("content-type")).toBe("image/png");
  });

  it("a polyglot (a JPEG with an HTML page or a ZIP after its end) is stored without what follows the image", async () => {
    const { user, log } = await userWithLog();
    const trailer = concat(
      ascii("<html><script>alert(document.cookie)</script></html>"),
      ascii("PK\u0003\u0004zip"),
    );
    const { status, body } = await uploadPhoto(user.accessToken, log.id, concat(MEAL_JPEG, trailer));
    expect(status).toBe(200);
    const stored = await bytesOf(await fetchPhoto(body.photoUrl as string));
    expect(containsAscii(stored, "<script>")).toBe(false);
    expect(containsAscii(stored, "PK")).toBe(false);
    expect(stored.at(-2)).toBe(0xff);
    expect(stored.at(-1)).toBe(0xd9);
  });
});

describe("PUT /v1/logs/:id/photo: size", () => {
  it("over 5 MiB is 413, declared in Content-Length, and nothing is stored", async () => {
    const { user, log } = await userWithLog();
    const big = concat(MEAL_JPEG, new Uint8Array(FIVE_MIB));
    await expectRefused(await uploadPhoto(user.accessToken, log.id, big), 413, user.accessToken, log.id);
  });

  it("over 5 MiB streamed without a length is 413 too", async () => {
    const { user, log } = await userWithLog();
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 7) return controller.close();
        sent++;
        controller.enqueue(sent === 1 ? concat(MEAL_JPEG, chunk) : chunk);
      },
    });
    const response = await call(photoPath(log.id), {
      method: "PUT",
      token: user.accessToken,
      rawBody: stream,
      headers: { "content-type": "image/jpeg" },
    });
    await expectProblem(response, 413);
    expect((await getLog(user.accessToken, log.id)).body.photoUrl).toBeNull();
  });

  it("exactly 5 MiB passes the size check (then is judged by its bytes)", async () => {
    const { user, log } = await userWithLog();
    const padded = concat(MEAL_JPEG, new Uint8Array(FIVE_MIB - MEAL_JPEG.length));
    const { status, body } = await uploadPhoto(user.accessToken, log.id, padded);
    expect(status).toBe(200); // the padding after the image's end is dropped
    expect((await bytesOf(await fetchPhoto(body.photoUrl as string))).length).toBeLessThan(MEAL_JPEG.length);
  });

  it("the JSON routes keep their 64 KiB limit", async () => {
    const user = await newUser();
    const response = await call("/v1/logs", {
      method: "POST",
      token: user.accessToken,
      rawBody: JSON.stringify({ title: "x".repeat(70_000) }),
      headers: { "content-type": "application/json" },
    });
    await expectProblem(response, 413);
  });
});

describe("photo routes: ids and missing photos", () => {
  it("an unknown or malformed log id is 404", async () => {
    const user = await newUser();
    for (const id of ["01936f00-0000-7000-8000-00000000ffff", "not-an-id", "..%2F..%2Fetc"]) {
      await expectProblem((await uploadPhoto(user.accessToken, id, MEAL_JPEG)).response, 404);
      await expectProblem(await call(photoPath(id), { token: user.accessToken }), 404);
      await expectProblem(await call(photoPath(id), { method: "DELETE", token: user.accessToken }), 404);
    }
  });

  it("GET /v1/logs/:id/photo of a log without a stored photo is 404", async () => {
    const { user, log } = await userWithLog();
    await expectProblem(await call(photoPath(log.id), { token: user.accessToken }), 404);
  });
});
