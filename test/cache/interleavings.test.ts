import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/lib/logger";
import { redisBreaker } from "../../src/services/cache";
import { readThrough } from "../../src/services/user-cache";
import { captureConsole } from "../helpers/console";
import { fc, seedFor } from "../helpers/fuzz";
import { validLog } from "../helpers/logs";
import { redisCommand } from "../helpers/redis";
import { send } from "../helpers/requests";
import {
  authOf,
  CACHED_READS,
  commitWithoutSettle,
  databaseVersion,
  loseUserKeys,
  POSTGRES_ONLY,
  recycleIsolate,
  servicesFor,
  truthOf,
  upstashWith,
} from "../helpers/user-cache";
import { account } from "../helpers/users";

/**
 * Random interleavings (fast-check, fixed seed) of writes under Redis faults, reads, lost keys,
 * lost settles, expired fences, recycled isolates, breaker recoveries and reads that overlap a write.
 * After every read, what the Worker answered must equal what PostgreSQL says.
 */

type Who = Awaited<ReturnType<typeof account>>;
type Op =
  | { kind: "write"; fault: "none" | "down" | "error"; calories: number }
  | { kind: "read"; name: keyof typeof CACHED_READS }
  | { kind: "loseKeys" }
  | { kind: "recycle" }
  | { kind: "recover" }
  | { kind: "lostSettle" }
  | { kind: "expireFences" }
  | { kind: "overlappingRead"; calories: number };

const names = Object.keys(CACHED_READS) as (keyof typeof CACHED_READS)[];
const calories = fc.integer({ min: 0, max: 900 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      fault: fc.constantFrom("none", "down", "error"),
      calories,
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("read" as const), name: fc.constantFrom(...names) }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant("loseKeys" as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("recycle" as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("recover" as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("lostSettle" as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("expireFences" as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("overlappingRead" as const), calories }), weight: 1 },
);

const logger = createLogger({ level: "error" });
let reads = 0;

const write = (who: Who, calories: number, fault: "none" | "down" | "error" = "none") =>
  send(
    { method: "POST", path: "/v1/logs", token: who.accessToken, json: validLog({ calories }) },
    fault === "none" ? upstashWith() : upstashWith(`__fault/${fault}`),
  );

async function expectRead(who: Who, name: keyof typeof CACHED_READS) {
  const res = await send({ path: CACHED_READS[name], token: who.accessToken }, upstashWith());
  const truth = await send({ path: CACHED_READS[name], token: who.accessToken }, POSTGRES_ONLY);
  reads += 1;
  expect(res.body, name).toEqual(truth.body);
}

async function apply(who: Who, step: Op) {
  switch (step.kind) {
    case "write":
      expect((await write(who, step.calories, step.fault)).status).toBe(201);
      return;
    case "read":
      return expectRead(who, step.name);
    case "loseKeys":
      return loseUserKeys(who.user.id);
    case "recycle":
      return recycleIsolate();
    case "recover":
      // What a successful half-open probe does.
      redisBreaker.succeeded(logger);
      return;
    case "lostSettle":
      // Only a write that reached Redis has a fence to lose (with the breaker open it bumps the epoch).
      if (!redisBreaker.isOpen) await commitWithoutSettle(who);
      return;
    case "expireFences": {
      const fences = `uc:${who.user.id}:fences`;
      for (const token of (await redisCommand("ZRANGE", fences, 0, -1)) as string[])
        await redisCommand("ZADD", fences, 1, token);
      return;
    }
    case "overlappingRead": {
      // A read that missed and read PostgreSQL just before a write, and fills just after it.
      const before = (await truthOf(who)).stats;
      const versionBefore = await databaseVersion(who.user.id);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { services, settled } = servicesFor(upstashWith());
      const reading = readThrough(services, authOf(who), "stats", async () => {
        await gate;
        return { value: before, version: versionBefore };
      });
      expect((await write(who, step.calories)).status).toBe(201);
      release();
      await reading.catch(() => {});
      await settled();
      return;
    }
  }
}

afterEach(() => recycleIsolate());

describe("random interleavings of faults and reads", () => {
  it("every cached read equals PostgreSQL's answer", { timeout: 240_000 }, async () => {
    const console_ = captureConsole();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 14 }), async (steps) => {
          recycleIsolate();
          const who = await account();
          expect((await write(who, 500)).status).toBe(201);
          for (const name of names) await expectRead(who, name); // some fills to be stale later
          for (const step of [...steps, ...names.map((name) => ({ kind: "read", name }) as Op)]) {
            await apply(who, step);
            // Reads again after a few deferred fills could have landed.
            if (step.kind === "read") await expectRead(who, step.name);
          }
        }),
        { numRuns: 25, seed: seedFor("cache interleavings") },
      );
    } finally {
      console_.restore();
    }
    console.log(`cache interleavings: ${reads} cached reads compared with PostgreSQL, 0 stale`);
  });
});
