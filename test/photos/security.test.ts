import { describe, expect, it } from "vitest";
import { signPhotoUrl } from "../../src/lib/signed-url";
import { JWT } from "../helpers/auth";
import { BASE_URL, call, expectProblem, withBindings } from "../helpers/http";
import { getLog, logMeal } from "../helpers/logs";
import { fetchPhoto, photoPath, uploadPhoto } from "../helpers/photos";
import { newUser } from "../helpers/users";
import { eventually } from "../helpers/wait";
import { MEAL_JPEG } from "./fixtures";

async function userWithPhoto() {
  const user = await newUser();
  const { log } = await logMeal(user.accessToken);
  const { body } = await uploadPhoto(user.accessToken, log.id, MEAL_JPEG);
  return { user, log, url: new URL(body.photoUrl as string) };
}

const keyOf = (url: URL) => url.pathname.replace("/v1/photos/", "");

describe("photos: only the owner", () => {
  it("another user cannot upload to, read or remove the photo of a log that is not theirs (404, nothing changes)", async () => {
    const { user, log, url } = await userWithPhoto();
    const other = await newUser();
    await expectProblem((await uploadPhoto(other.accessToken, log.id, MEAL_JPEG)).response, 404);
    await expectProblem(await call(photoPath(log.id), { token: other.accessToken }), 404);
    await expectProblem(await call(photoPath(log.id), { method: "DELETE", token: other.accessToken }), 404);
    const read = await getLog(user.accessToken, log.id);
    expect(keyOf(new URL(read.body.photoUrl as string))).toBe(keyOf(url));
    expect((await fetchPhoto(url.toString())).status).toBe(200);
  });

  it("every photo route but the signed URL needs a signed-in user", async () => {
    const { log } = await userWithPhoto();
    await expectProblem((await uploadPhoto(undefined, log.id, MEAL_JPEG)).response, 401);
    await expectProblem(await call(photoPath(log.id)), 401);
    await expectProblem(await call(photoPath(log.id), { method: "DELETE" }), 401);
  });
});

describe("signed photo URLs", () => {
  it("a tampered signature, expiry or key is 403, never the image", async () => {
    const { url } = await userWithPhoto();
    const { url: another } = await userWithPhoto();
    const tampered = new URL(url);
    tampered.searchParams.set("sig", `${url.searchParams.get("sig")?.slice(0, -2)}AA`);
    const later = new URL(url);
    later.searchParams.set("exp", String(Number(url.searchParams.get("exp")) + 3600));
    const swapped = new URL(url);
    swapped.pathname = another.pathname; // my signature on someone else's key
    const unsigned = new URL(url);
    unsigned.search = "";
    for (const candidate of [tampered, later, swapped, unsigned]) {
      const response = await fetchPhoto(candidate.toString());
      expect(response.headers.get("content-type")).toContain("problem+json");
      await expectProblem(response, 403);
    }
  });

  it("an expired URL is 403", async () => {
    const { url } = await userWithPhoto();
    const expired = await signPhotoUrl({
      origin: BASE_URL,
      secret: JWT.secret,
      key: keyOf(url),
      nowSeconds: Math.floor(Date.now() / 1000) - 3 * 3600,
    });
    await expectProblem(await fetchPhoto(expired), 403);
  });

  it("a URL signed with another secret is 403; with the previous secret (rotation) it still works", async () => {
    const { url } = await userWithPhoto();
    const nowSeconds = Math.floor(Date.now() / 1000);
    const forged = await signPhotoUrl({
      origin: BASE_URL,
      secret: "x".repeat(40),
      key: keyOf(url),
      nowSeconds,
    });
    await expectProblem(await fetchPhoto(forged), 403);
    const rotated = withBindings({
      JWT_SECRET: "a-new-secret-0123456789abcdef0123456789",
      JWT_SECRET_PREVIOUS: JWT.secret,
    });
    const response = await rotated(`${url.pathname}${url.search}`);
    expect(response.status).toBe(200);
  });

  it("path tricks in keys are 404", async () => {
    const { url } = await userWithPhoto();
    for (const path of [
      `/v1/photos/..%2F..%2Fetc%2Fpasswd${url.search}`,
      `/v1/photos/${encodeURIComponent(`../${keyOf(url)}`)}${url.search}`,
      `/v1/photos/sweep%2Fcursor${url.search}`,
      `/v1/photos/${keyOf(url).toUpperCase()}${url.search}`,
    ]) {
      const response = await call(path);
      expect([403, 404], path).toContain(response.status);
      expect(response.headers.get("content-type")).toContain("problem+json");
    }
  });

  it("an old signed URL replayed after the photo was deleted is 404", async () => {
    const { user, log, url } = await userWithPhoto();
    expect((await call(photoPath(log.id), { method: "DELETE", token: user.accessToken })).status).toBe(204);
    await eventually(async () => (await fetchPhoto(url.toString())).status === 404);
    expect((await fetchPhoto(url.toString())).status).toBe(404);
  });

  it("the image is served so that a browser never runs it: nosniff, sandboxed CSP, no cookies needed", async () => {
    const { url } = await userWithPhoto();
    const response = await fetchPhoto(url.toString());
    expect(response.status).toBe(200);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("sandbox");
  });
});
