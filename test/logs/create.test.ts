import { describe, expect, it } from "vitest";
import { ISO_UTC, UUID_V7 } from "../helpers/db";
import { getLog, listedIds, logMeal, postLog, validLog } from "../helpers/logs";
import { newUser } from "../helpers/users";

describe("POST /v1/logs: happy path", () => {
  it("answers 201 { log, events } with every field as stored", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    const input = {
      mealType: "dinner",
      eatenAt: "2026-11-20T19:05:00+09:00",
      title: "Bibimbap",
      note: "Extra gochujang",
      photoUrl: "https://images.example.com/bibimbap.jpg",
      calories: 650,
      proteinG: 20.5,
      carbsG: 90.25,
      fatG: 12,
      tags: ["homemade", "vegetable"],
    };
    const { status, body, headers } = await postLog(account.accessToken, input);
    expect(status).toBe(201);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(headers.get("idempotent-replayed")).toBeNull();
    expect(body).toEqual({
      log: {
        id: expect.stringMatching(UUID_V7),
        mealType: "dinner",
        eatenAt: "2026-11-20T10:05:00.000Z",
        localDate: "2026-11-20",
        title: "Bibimbap",
        note: "Extra gochujang",
        photoUrl: "https://images.example.com/bibimbap.jpg",
        calories: 650,
        proteinG: 20.5,
        carbsG: 90.25,
        fatG: 12,
        tags: ["homemade", "vegetable"],
        items: [],
        createdAt: expect.stringMatching(ISO_UTC),
        updatedAt: expect.stringMatching(ISO_UTC),
      },
      events: expect.any(Array),
    });
    expect(body.log.updatedAt).toBe(body.log.createdAt);
    // What was answered is what is stored.
    const read = await getLog(account.accessToken, body.log.id);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(body.log);
  });

  it("stores only the required fields: optional ones are null, tags empty", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, {
      mealType: "snack",
      eatenAt: "2026-11-21T15:00:00+09:00",
      title: "Hotteok",
    });
    expect(log).toEqual({
      id: expect.stringMatching(UUID_V7),
      mealType: "snack",
      eatenAt: "2026-11-21T06:00:00.000Z",
      localDate: "2026-11-21",
      title: "Hotteok",
      note: null,
      photoUrl: null,
      calories: null,
      proteinG: null,
      carbsG: null,
      fatG: null,
      tags: [],
      items: [],
      createdAt: expect.stringMatching(ISO_UTC),
      updatedAt: expect.stringMatching(ISO_UTC),
    });
  });

  it.each(["breakfast", "lunch", "dinner", "snack"])("accepts mealType %s", async (mealType) => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, { mealType });
    expect(log.mealType).toBe(mealType);
  });

  it("answers eatenAt in UTC whatever offset the client sent", async () => {
    const account = await newUser();
    const kathmandu = await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+05:45" });
    expect(kathmandu.log.eatenAt).toBe("2026-11-20T06:15:00.000Z");
    const utc = await logMeal(account.accessToken, { eatenAt: "2026-11-20T06:15:00Z" });
    expect(utc.log.eatenAt).toBe("2026-11-20T06:15:00.000Z");
  });

  it("trims the title", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, { title: "  Tteokbokki  " });
    expect(log.title).toBe("Tteokbokki");
  });

  it("gives every log its own time-sortable id and lists each once", async () => {
    const account = await newUser();
    const first = await logMeal(account.accessToken);
    const second = await logMeal(account.accessToken);
    expect(first.log.id).toMatch(UUID_V7);
    expect(second.log.id).toMatch(UUID_V7);
    expect(second.log.id).not.toBe(first.log.id);
    expect(second.log.id > first.log.id).toBe(true);
    expect((await listedIds(account.accessToken)).sort()).toEqual([first.log.id, second.log.id].sort());
  });

  it("accepts the same meal twice without an Idempotency-Key (two logs)", async () => {
    const account = await newUser();
    const body = validLog({ calories: 300 });
    expect((await postLog(account.accessToken, body)).status).toBe(201);
    expect((await postLog(account.accessToken, body)).status).toBe(201);
    expect(await listedIds(account.accessToken)).toHaveLength(2);
  });
});
