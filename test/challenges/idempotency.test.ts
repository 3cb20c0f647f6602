import { describe, expect, it } from "vitest";
import { challengeBody, getChallenge, newPlayer } from "../helpers/challenges";
import { sql } from "../helpers/db";
import { callJson, expectProblem } from "../helpers/http";
import { postLog, validLog } from "../helpers/logs";

// POST /v1/challenges honours Idempotency-Key as POST /v1/logs does (services/idempotency.ts).
const key = () => `challenge-${crypto.randomUUID()}`;
const post = (token: string, body: unknown, idempotencyKey?: string) =>
  callJson("/v1/challenges", {
    method: "POST",
    token,
    body,
    headers: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {},
  });
/** The ids of the challenges the user created (from their export: no list filters by creator). */
const createdBy = async (token: string) => {
  const { body } = await callJson("/v1/users/me/export", { token });
  return (body.challengesCreated as { id: string }[]).map((challenge) => challenge.id);
};

describe("POST /v1/challenges with Idempotency-Key: replays", () => {
  it("the same user, key and body answer the first response again and create nothing", async () => {
    const account = await newPlayer();
    const idempotencyKey = key();
    const body = challengeBody({ startsAt: new Date(Date.now() + 86_400_000).toISOString(), endsAt: null });
    const first = await post(account.accessToken, body, idempotencyKey);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const again = await post(account.accessToken, { ...body }, idempotencyKey);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await getChallenge(account.accessToken, first.body.id)).body).toEqual(first.body);
    expect(await createdBy(account.accessToken)).toEqual([first.body.id]);
  });

  it("without a key, the same body twice creates two challenges", async () => {
    const account = await newPlayer();
    const body = challengeBody();
    const first = await post(account.accessToken, body);
    const second = await post(account.accessToken, body);
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it("the same key is another user's own: each creates their challenge", async () => {
    const [a, b] = await Promise.all([newPlayer(), newPlayer()]);
    const idempotencyKey = key();
    const first = await post(a.accessToken, challengeBody(), idempotencyKey);
    const second = await post(b.accessToken, challengeBody(), idempotencyKey);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect(second.body.createdBy).toBe(b.user.id);
    expect(second.body.id).not.toBe(first.body.id);
  });
});

describe("POST /v1/challenges with Idempotency-Key: 24 hours", () => {
  it("once the key's 24 h are over, the same key and body create a new challenge", async () => {
    const account = await newPlayer();
    const idempotencyKey = key();
    const body = challengeBody();
    const first = await post(account.accessToken, body, idempotencyKey);
    await sql(
      "update idempotency_keys set expires_at = now() - interval '1 second' where user_id = $1 and key = $2",
      [account.user.id, idempotencyKey],
    );
    const later = await post(account.accessToken, body, idempotencyKey);
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(later.body.id).not.toBe(first.body.id);
    const again = await post(account.accessToken, body, idempotencyKey);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(later.body.id);
  });
});

describe("POST /v1/challenges with Idempotency-Key: errors", () => {
  it("the same key with another body is 409 and creates nothing", async () => {
    const account = await newPlayer();
    const idempotencyKey = key();
    const first = await post(account.accessToken, challengeBody({ title: "First" }), idempotencyKey);
    expect(first.status).toBe(201);
    const other = await post(account.accessToken, challengeBody({ title: "Second" }), idempotencyKey);
    await expectProblem(other.response, 409);
  });

  it("a key already used to log a meal is another request: 409", async () => {
    const account = await newPlayer();
    const idempotencyKey = key();
    expect(
      (await postLog(account.accessToken, validLog(), { "Idempotency-Key": idempotencyKey })).status,
    ).toBe(201);
    const challenge = await post(account.accessToken, challengeBody(), idempotencyKey);
    await expectProblem(challenge.response, 409);
  });

  it("an invalid key is 400 and creates nothing", async () => {
    const account = await newPlayer();
    const refused = await post(account.accessToken, challengeBody(), "has spaces in it");
    await expectProblem(refused.response, 400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: "Idempotency-Key" })]);
  });

  it("a refused body (400) does not use the key up", async () => {
    const account = await newPlayer();
    const idempotencyKey = key();
    const refused = await post(account.accessToken, challengeBody({ title: "" }), idempotencyKey);
    expect(refused.status).toBe(400);
    const created = await post(account.accessToken, challengeBody(), idempotencyKey);
    expect(created.status).toBe(201);
    expect(created.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("POST /v1/challenges with Idempotency-Key: concurrency", () => {
  it("two racing requests with one key create one challenge; both answer it", async () => {
    const account = await newPlayer();
    const idempotencyKey = key();
    const body = challengeBody();
    const [a, b] = await Promise.all([
      post(account.accessToken, body, idempotencyKey),
      post(account.accessToken, body, idempotencyKey),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).toBe(b.body.id);
  });
});
