import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createDb } from "../../src/db/client";
import { uuidv7 } from "../../src/lib/ids";
import { createLogger } from "../../src/lib/logger";
import { sweepOrphanPhotos } from "../../src/services/photos";
import { runCron } from "../helpers/challenges";
import { expectProblem, withBindings } from "../helpers/http";
import { logMeal } from "../helpers/logs";
import { fetchPhoto, uploadPhoto } from "../helpers/photos";
import { newUser } from "../helpers/users";
import { MEAL_JPEG } from "./fixtures";

const DAY_MS = 24 * 3600 * 1000;
const bucket = env.PHOTOS as R2Bucket;
const sweeper = () => ({
  db: createDb(loadConfig(env)),
  logger: createLogger({ level: "warn" }),
  photos: { bucket, origin: "" },
});

describe("the orphan sweep (hourly, with the Cron Trigger)", () => {
  it("deletes objects no log points at once they are a day old, and keeps every log's photo", async () => {
    const user = await newUser();
    const { log } = await logMeal(user.accessToken);
    const kept = (await uploadPhoto(user.accessToken, log.id, MEAL_JPEG)).body.photoUrl as string;
    // What a failed delete leaves: an object under a valid key that no log points at.
    const orphan = `${user.user.id}_${log.id}_${uuidv7()}.jpg`;
    await bucket.put(orphan, MEAL_JPEG, { httpMetadata: { contentType: "image/jpeg" } });

    // Younger than a day: kept (an upload whose batch is still in flight looks the same).
    await sweepOrphanPhotos(sweeper(), { pages: 1000 });
    expect(await bucket.head(orphan)).not.toBeNull();

    // A day later, run to the end of the bucket (each run resumes where the last stopped).
    const later = Date.now() + 2 * DAY_MS;
    for (let run = 0; run < 100 && (await bucket.head(orphan)); run++)
      await sweepOrphanPhotos(sweeper(), { pages: 1, now: later });
    expect(await bucket.head(orphan)).toBeNull();
    expect((await fetchPhoto(kept)).status).toBe(200);
  });

  it("runs with the scheduled handler", async () => {
    await runCron(); // nothing to assert beyond "completes": fresh objects are never swept
  });
});

describe("uploads count as writes", () => {
  it("the per-user write limit refuses an upload over it with 429", async () => {
    const limited = withBindings({ RATE_LIMIT_WRITES_PER_USER: "2" });
    const user = await newUser();
    const headers = { authorization: `Bearer ${user.accessToken}`, "content-type": "application/json" };
    const created = await limited("/v1/logs", {
      method: "POST",
      headers,
      body: JSON.stringify({ mealType: "lunch", eatenAt: new Date().toISOString(), title: "Bibimbap" }),
    });
    expect(created.status).toBe(201);
    const { log } = (await created.json()) as { log: { id: string } };
    const upload = () =>
      limited(`/v1/logs/${log.id}/photo`, {
        method: "PUT",
        headers: { ...headers, "content-type": "image/jpeg" },
        body: MEAL_JPEG,
      });
    expect((await upload()).status).toBe(200);
    await expectProblem(await upload(), 429);
  });
});
