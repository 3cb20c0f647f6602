import { describe, expect, it } from "vitest";
import { expectProblem } from "../helpers/http";
import { getLog, listedIds, postLog, validLog } from "../helpers/logs";
import { newUser } from "../helpers/users";

const key = () => `log-${crypto.randomUUID()}`;

describe("POST /v1/logs with Idempotency-Key: replays", () => {
  it("the same user, key and body answer the first response again and create nothing", async () => {
    const account = await newUser();
    const idempotencyKey = key();
    const body = validLog({ calories: 610, tags: ["homemade"] });
    const first = await postLog(account.accessToken, body, { "Idempotency-Key": idempotencyKey });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const again = await postLog(account.accessToken, body, { "Idempotency-Key": idempotencyKey });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(again.body.log.id).toBe(first.body.log.id);

    const third = await postLog(account.accessToken, body, { "Idempotency-Key": idempotencyKey });
    expect(third.body).toEqual(first.body);
    expect(await listedIds(account.accessToken)).toEqual([first.body.log.id]);
  });

  it("replays the events of the first response too (the first_log badge)", async () => {
    const account = await newUser();
    const idempotencyKey = key();
    const first = await postLog(account.accessToken, validLog(), { "Idempotency-Key": idempotencyKey });
    expect(first.body.events).toContainEqual(
      expect.objectContaining({
        type: "badge_awarded",
        badge: expect.objectContaining({ code: "first_log" }),
      }),
    );
    const again = await postLog(account.accessToken, validLog(), { "Idempotency-Key": idempotencyKey });
    expect(again.body.events).toEqual(first.body.events);
  });

  it("treats the same body with its keys in another order as the same request", async () => {
    const account = await newUser();
    const idempotencyKey = key();
    const first = await postLog(
      account.accessToken,
      { mealType: "lunch", eatenAt: "2026-11-20T12:30:00+09:00", title: "Naengmyeon", calories: 500 },
      { "Idempotency-Key": idempotencyKey },
    );
    const again = await postLog(
      account.accessToken,
      { calories: 500, title: "Naengmyeon", eatenAt: "2026-11-20T12:30:00+09:00", mealType: "lunch" },
      { "Idempotency-Key": idempotencyKey },
    );
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.log.id).toBe(first.body.log.id);
    expect(await listedIds(account.accessToken)).toHaveLength(1);
  });

  it("a key whose request was refused (400) is not used up: a valid body with it creates the log", async () => {
    const account = await newUser();
    const idempotencyKey = key();
    const refused = await postLog(account.accessToken, validLog({ title: "" }), {
      "Idempotency-Key": idempotencyKey,
    });
    expect(refused.status).toBe(400);
    const created = await postLog(account.accessToken, validLog(), { "Idempotency-Key": idempotencyKey });
    expect(created.status).toBe(201);
    expect(created.headers.get("idempotent-replayed")).toBeNull();
    expect(await listedIds(account.accessToken)).toEqual([created.body.log.id]);
  });

  it("different keys with the same body create different logs", async () => {
    const account = await newUser();
    const first = await postLog(account.accessToken, validLog(), { "Idempotency-Key": key() });
    const second = await postLog(account.accessToken, validLog(), { "Idempotency-Key": key() });
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect(second.body.log.id).not.toBe(first.body.log.id);
    expect(await listedIds(account.accessToken)).toHaveLength(2);
  });
});

describe("POST /v1/logs with Idempotency-Key: conflicts", () => {
  it("the same key with another body is 409, and the first log stays as it was", async () => {
    const account = await newUser();
    const idempotencyKey = key();
    const first = await postLog(account.accessToken, validLog({ calories: 500 }), {
      "Idempotency-Key": idempotencyKey,
    });
    const other = await postLog(account.accessToken, validLog({ calories: 501 }), {
      "Idempotency-Key": idempotencyKey,
    });
    const problem = await expectProblem(other.response, 409);
    expect(problem.code).toBe("CONFLICT");
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(await listedIds(account.accessToken)).toEqual([first.body.log.id]);
    expect((await getLog(account.accessToken, first.body.log.id)).body).toEqual(first.body.log);
  });

  it("an optional field added to the body makes it another body (409)", async () => {
    const account = await newUser();
    const idempotencyKey = key();
    await postLog(account.accessToken, validLog(), { "Idempotency-Key": idempotencyKey });
    const other = await postLog(account.accessToken, validLog({ note: "second thoughts" }), {
      "Idempotency-Key": idempotencyKey,
    });
    await expectProblem(other.response, 409);
    expect(await listedIds(account.accessToken)).toHaveLength(1);
  });

  it.each([
    ["a key with a space", "two words"],
    ["a key of 256 characters", "k".repeat(256)],
  ])("refuses %s with 400 and writes nothing", async (_what, idempotencyKey) => {
    const account = await newUser();
    const { response } = await postLog(account.accessToken, validLog(), {
      "Idempotency-Key": idempotencyKey,
    });
    await expectProblem(response, 400);
    expect(await listedIds(account.accessToken)).toEqual([]);
  });
});

describe("POST /v1/logs with Idempotency-Key: scoped per user", () => {
  it("the same key used by another user is independent (own log, no replay, no conflict)", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const idempotencyKey = key();
    const mine = await postLog(alice.accessToken, validLog({ title: "Alice's lunch" }), {
      "Idempotency-Key": idempotencyKey,
    });
    // Same key, same body: still a new log for Bob.
    const same = await postLog(bob.accessToken, validLog({ title: "Alice's lunch" }), {
      "Idempotency-Key": idempotencyKey,
    });
    expect(same.status).toBe(201);
    expect(same.headers.get("idempotent-replayed")).toBeNull();
    expect(same.body.log.id).not.toBe(mine.body.log.id);

    // Same key, another body: not a conflict for a third user either.
    const carol = await newUser();
    const other = await postLog(carol.accessToken, validLog({ title: "Carol's dinner" }), {
      "Idempotency-Key": idempotencyKey,
    });
    expect(other.status).toBe(201);
    expect(other.body.log.title).toBe("Carol's dinner");

    expect(await listedIds(alice.accessToken)).toEqual([mine.body.log.id]);
    expect(await listedIds(bob.accessToken)).toEqual([same.body.log.id]);
    expect(await listedIds(carol.accessToken)).toEqual([other.body.log.id]);
    // Each user's own replay still answers their own log.
    const aliceAgain = await postLog(alice.accessToken, validLog({ title: "Alice's lunch" }), {
      "Idempotency-Key": idempotencyKey,
    });
    expect(aliceAgain.body.log.id).toBe(mine.body.log.id);
  });
});

describe("POST /v1/logs with Idempotency-Key: concurrency", () => {
  it.each([2, 10])(
    "%i concurrent requests with one key create exactly one log, all 201 with its id",
    async (n) => {
      const account = await newUser();
      const idempotencyKey = key();
      const body = validLog({ calories: 777 });
      const results = await Promise.all(
        Array.from({ length: n }, () =>
          postLog(account.accessToken, body, { "Idempotency-Key": idempotencyKey }),
        ),
      );
      expect(results.map((result) => result.status)).toEqual(Array(n).fill(201));
      const ids = new Set(results.map((result) => result.body.log.id));
      expect(ids.size).toBe(1);
      const replayed = results.filter((result) => result.headers.get("idempotent-replayed") === "true");
      expect(replayed).toHaveLength(n - 1);
      for (const result of results) expect(result.body).toEqual(results[0]!.body);
      expect(await listedIds(account.accessToken)).toEqual([...ids]);
    },
  );

  it("concurrent requests with one key and two bodies: one log; its body's requests 201, the others 409", async () => {
    const account = await newUser();
    const idempotencyKey = key();
    const bodies = Array.from({ length: 8 }, (_, i) => validLog({ calories: i % 2 === 0 ? 100 : 200 }));
    const results = await Promise.all(
      bodies.map((body) => postLog(account.accessToken, body, { "Idempotency-Key": idempotencyKey })),
    );
    const ids = await listedIds(account.accessToken);
    expect(ids).toHaveLength(1);
    const winner = results.find((result) => result.status === 201)!;
    expect(winner).toBeDefined();
    const winningCalories = winner.body.log.calories;
    results.forEach((result, i) => {
      if (bodies[i]!.calories === winningCalories) {
        expect(result.status).toBe(201);
        expect(result.body.log.id).toBe(ids[0]);
      } else {
        expect(result.status).toBe(409);
      }
    });
  });
});
