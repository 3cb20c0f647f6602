import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dayString,
  forgedCursor,
  graphemeText,
  hostileSegment,
  instantString,
  nastyString,
  wellFormed,
} from "../helpers/arbitraries";
import { expectConsoleError } from "../helpers/console";
import { fingerprint, unknownId } from "../helpers/db";
import { check, fc, fuzzCase, fuzzSummary, Tally, Watch } from "../helpers/fuzz";
import { type BodySpec, bodyText, CONTENT_TYPES, Raw, withQuery } from "../helpers/json-arbitraries";
import { createLog } from "../helpers/logs";
import { type Req, type Res, send } from "../helpers/requests";
import { type Account, account } from "../helpers/users";

/**
 * Property-based fuzzing of the meal-log routes (POST/GET /v1/logs, GET/PATCH/DELETE
 * /v1/logs/:id, GET /v1/logs/summary): bodies, query strings, path parameters and headers
 * generated from the zod schemas of src/routes/logs/logs.schemas.ts and deliberately outside them.
 * Properties: never a 5xx; every error is problem+json; nothing is written by a rejected request
 * (the user's database fingerprint is unchanged); another user's logs are never seen or touched;
 * every accepted log is kept.
 */

const tally = new Tally("logs");
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let writer: Account; // POST /v1/logs
let editor: Account; // the /:id routes, list and summary
let victim: Account; // owns logs nobody else may see or touch
let victimLogIds: string[] = [];
let victimWatch: Watch;

beforeAll(async () => {
  [writer, editor, victim] = await Promise.all([account(), account(), account()]);
  victimLogIds = [
    (await createLog(victim.accessToken, { calories: 700, tags: ["secret"], note: "victim's diary" })).id,
    (await createLog(victim.accessToken, { mealType: "dinner", eatenAt: "2026-11-21T19:00:00+09:00" })).id,
  ];
  victimWatch = await new Watch(victim.user.id, tally, true).start();
}, 60_000);

afterAll(() => {
  console.log(fuzzSummary(tally));
});

// ---- generators from logs.schemas.ts ------------------------------------------------------------

const slug = fc.stringMatching(/^[a-z0-9]{1,10}(-[a-z0-9]{1,8}){0,2}$/).filter((tag) => tag.length <= 32);
const grams = fc.option(fc.double({ min: 0, max: 1000, noNaN: true, noDefaultInfinity: true }), {
  nil: null,
});

/** eatenAt the API accepts: since 2000, at most ~12 h ahead, with offsets. */
const eatenAt = fc
  .tuple(
    fc.date({
      min: new Date("2000-01-02T00:00:00Z"),
      max: new Date(Date.now() - DAY_MS / 2),
      noInvalidDate: true,
    }),
    fc.constantFrom("Z", "+09:00", "-05:00", "+14:00", "-12:00", "+05:45"),
  )
  .map(([date, offset]) =>
    offset === "Z" ? date.toISOString() : `${date.toISOString().slice(0, -1)}${offset}`,
  );

const LOG_FIELDS = {
  mealType: fc.constantFrom("breakfast", "lunch", "dinner", "snack"),
  eatenAt,
  title: graphemeText(1, 80),
  note: fc.option(graphemeText(0, 300), { nil: null }),
  photoUrl: fc.option(fc.webUrl({ validSchemes: ["https"] }), { nil: null }),
  calories: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
  proteinG: grams,
  carbsG: grams,
  fatG: grams,
  tags: fc.uniqueArray(slug, { maxLength: 10 }),
};

const LOG_WRONG = {
  mealType: fc.constantFrom("Lunch", "LUNCH", " lunch", "brunch", "", "breakfast\u0000"),
  eatenAt: fc.oneof(
    instantString(),
    fc.constantFrom(
      new Date(Date.now() + 2 * DAY_MS).toISOString(),
      "1999-12-31T23:59:59Z",
      "2000-01-01T08:00:00+09:00",
    ),
  ),
  title: fc.oneof(fc.constantFrom("", "   ", "\t\n", "a".repeat(201), "가".repeat(201)), nastyString()),
  note: fc.constantFrom("a".repeat(2001), 5, true),
  photoUrl: fc.constantFrom(
    "http://images.example/a.jpg",
    "javascript:alert(1)",
    "https://",
    "data:image/png;base64,AAAA",
    "ftp://files.example/a.jpg",
    "//evil.example/a.jpg",
    `https://a.example/${"a".repeat(2100)}`,
    "https://exa mple.com/",
  ),
  calories: fc.constantFrom(
    -1,
    10_001,
    1.5,
    0.1,
    new Raw("1e309"),
    new Raw("-1e309"),
    new Raw("9007199254740993"),
    "500",
    new Raw("1e4"),
  ),
  proteinG: fc.constantFrom(-0.01, 1000.01, new Raw("1e309"), new Raw("1000.005"), "12", Number.MAX_VALUE),
  tags: fc.constantFrom(
    ["Vegetable"],
    ["a b"],
    ["a".repeat(33)],
    Array.from({ length: 11 }, (_, i) => `t${i}`),
    ["x", "x"],
    ["-x"],
    ["x--y"],
    ["x-"],
    [1],
    [null],
    "vegetable",
    ["' OR 1=1--"],
    ["채소"],
  ),
};

const CREATE_SPEC: BodySpec = {
  fields: LOG_FIELDS,
  required: ["mealType", "eatenAt", "title"],
  wrong: LOG_WRONG,
};
// PATCH: every field optional, at least one.
const PATCH_SPEC: BodySpec = { fields: LOG_FIELDS, required: [], wrong: LOG_WRONG };

const idempotencyKey = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom("key-a", "key-b", "key-c") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "has space",
      "a".repeat(256),
      "x\ty",
      "' OR 1=1--",
      "a".repeat(255),
      "%00",
    ),
  },
);

/** Headers besides the token: content type, idempotency key, request id. */
const writeHeaders = fc.record({
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant("application/json") },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  ),
  requestId: fc.option(
    fc.oneof(
      fc.constantFrom("abc-123", "a".repeat(255), "a".repeat(256), "x y", "<script>", "id=1"),
      fc.uuid(),
    ),
    { nil: undefined },
  ),
});

function headersOf(
  h: { contentType: string; requestId?: string },
  extra: Record<string, string | undefined> = {},
) {
  const headers: Record<string, string> = {};
  if (h.contentType !== "") headers["content-type"] = h.contentType.replace("\u0000", "");
  if (h.requestId !== undefined) headers["x-request-id"] = h.requestId;
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) headers[key] = value;
  return headers;
}

/** Every log of a user, straight from the database (ids). */
async function logIdsOf(token: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res: Res = await send({
      path: withQuery("/v1/logs", [
        ["limit", "100"],
        ...(cursor ? ([["cursor", cursor]] as [string, string][]) : []),
      ]),
      token,
    });
    expect(res.status).toBe(200);
    ids.push(...res.body.items.map((log: { id: string }) => log.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  return ids;
}

describe("fuzz POST /v1/logs", () => {
  it("never a 5xx, every error is problem+json, a rejected request writes nothing, every 201 is kept", {
    timeout: 180_000,
  }, async () => {
    const watch = await new Watch(writer.user.id, tally).start();
    const created = new Map<string, string>(); // log id → title
    const firstByKey = new Map<string, { body: string; logId: string }>();
    const arbitrary = fc.record({
      body: bodyText(CREATE_SPEC, { valid: 2, mutated: 7, junk: 2 }),
      headers: writeHeaders,
      key: idempotencyKey,
      replay: fc.boolean(),
    });
    await check("POST /v1/logs", arbitrary, 450, async ({ body, headers, key, replay }) => {
      // Sometimes resend the exact first request made with this key: it must be replayed.
      const first = key ? firstByKey.get(key) : undefined;
      const replaying = first !== undefined && replay;
      const req: Req = {
        method: "POST",
        path: "/v1/logs",
        token: writer.accessToken,
        raw: replaying ? first.body : body,
        headers: headersOf(replaying ? { contentType: "application/json" } : headers, {
          "idempotency-key": key,
        }),
      };
      const res = await fuzzCase(tally, req);
      await watch.after(req, res);
      if (res.status === 201) {
        const replayed = res.headers.get("idempotent-replayed") === "true";
        expect(res.body.log.id).toMatch(UUID);
        if (key && first) {
          // A key already used: only ever the first response again, never a second log.
          expect(replayed).toBe(true);
          expect(res.body.log.id).toBe(first.logId);
        } else {
          expect(replayed).toBe(false);
          created.set(res.body.log.id, res.body.log.title);
          if (key) firstByKey.set(key, { body, logId: res.body.log.id });
        }
      } else if (replaying && res.status !== 429) {
        // (a replay still counts against the per-user write limit: 429 is an honest answer)
        throw new Error(
          `the exact first request under key ${key} was not replayed: ${res.status} ${res.text}`,
        );
      }
      expect([201, 400, 409, 413, 415, 429]).toContain(res.status);
    });
    // Loses nothing: every log answered 201 is listed, and nothing else is.
    const listed = await logIdsOf(writer.accessToken);
    tally.rowsLost += [...created.keys()].filter((id) => !listed.includes(id)).length;
    expect(new Set(listed)).toEqual(new Set(created.keys()));
    expect(tally.count(201)).toBeGreaterThan(20);
  });
});

// ---- the /:id routes ----------------------------------------------------------------------------

type Target = "own" | "victim" | "unknown" | "hostile";

describe("fuzz GET/PATCH/DELETE /v1/logs/:id", () => {
  it("own ids work, another user's ids are 404 and untouched, hostile ids are 404/400, never a 5xx", {
    timeout: 180_000,
  }, async () => {
    // A pool of the editor's own logs; DELETEs use it up (writes are limited to 120 a minute per
    // user, so the pool is made up front rather than refilled).
    const own: string[] = [];
    for (let i = 0; i < 16; i++)
      own.push((await createLog(editor.accessToken, { title: `own ${i}`, calories: i * 10 })).id);
    const watch = await new Watch(editor.user.id, tally).start();
    const arbitrary = fc.record({
      method: fc.constantFrom("GET", "GET", "PATCH", "PATCH", "PATCH", "PATCH", "DELETE"),
      target: fc.constantFrom<Target>("own", "own", "victim", "unknown", "hostile"),
      index: fc.nat(),
      segment: hostileSegment(),
      body: bodyText(PATCH_SPEC, { valid: 3, mutated: 6, junk: 2 }),
      headers: writeHeaders,
    });
    await check("/v1/logs/:id", arbitrary, 550, async ({ method, target, index, segment, body, headers }) => {
      const id =
        target === "own" && own.length > 0
          ? own[index % own.length]!
          : target === "victim"
            ? victimLogIds[index % victimLogIds.length]!
            : target === "unknown"
              ? unknownId()
              : segment;
      const req: Req = {
        method,
        path: `/v1/logs/${id}`,
        token: editor.accessToken,
        ...(method === "PATCH" ? { raw: body, headers: headersOf(headers) } : {}),
      };
      const res = await fuzzCase(tally, req);
      await watch.after(req, res);
      if (target === "victim") await victimWatch.after(req, res);
      const mine = target === "own" && own.includes(id);
      if (!mine) expect(res.status).not.toBe(200);
      if (target === "victim" || target === "unknown")
        expect([400, 404, 413, 415, 429]).toContain(res.status);
      if (res.status === 200) expect(res.body.log?.id ?? res.body.id).toBe(id);
      if (res.status === 204) {
        expect(mine).toBe(true);
        own.splice(own.indexOf(id), 1);
        const gone = await send({ path: `/v1/logs/${id}`, token: editor.accessToken });
        expect(gone.status).toBe(404);
      }
    });
    // The victim's logs are all still there, unchanged.
    expect(new Set(await logIdsOf(victim.accessToken))).toEqual(new Set(victimLogIds));
  });
});

// ---- list and summary queries -------------------------------------------------------------------

const limitValue = fc.oneof(
  fc.integer({ min: 1, max: 100 }).map(String),
  fc.constantFrom(
    "0",
    "101",
    "-1",
    "1e2",
    "5.5",
    "0x10",
    "abc",
    "",
    " 5",
    "Infinity",
    "NaN",
    "1e309",
    "99999999999999999999",
    "%00",
  ),
);
const mealTypeValue = fc.oneof(
  fc.constantFrom("breakfast", "lunch", "dinner", "snack"),
  nastyString({ maxLength: 12 }),
);
const tagValue = fc.oneof(
  slug,
  fc.constantFrom("x'; drop table users;--", "a b", "A", "-x", "a".repeat(33), "%", "채소"),
  nastyString({ maxLength: 12 }),
);

const cursorValue = fc.oneof(
  forgedCursor("eatenAt"),
  fc.constantFrom("garbage!!", "A".repeat(501), btoa("not json"), "eyJ9", "%%%", "", "null", "e30"),
  fc.base64String({ maxLength: 60 }),
);

const queryEntry = (name: string, value: fc.Arbitrary<string>) => fc.tuple(fc.constant(name), value);

const listQuery = fc
  .array(
    fc.oneof(
      queryEntry("from", dayString()),
      queryEntry("to", dayString()),
      queryEntry("mealType", mealTypeValue),
      queryEntry("tag", tagValue),
      queryEntry("limit", limitValue),
      queryEntry("cursor", cursorValue),
      queryEntry("userId", fc.constant("VICTIM")),
      fc.tuple(fc.string({ maxLength: 8 }), nastyString({ maxLength: 20 })),
    ),
    { maxLength: 5 },
  )
  .map((entries) => entries.map(([key, value]) => [wellFormed(key), wellFormed(value)] as [string, string]));

describe("fuzz GET /v1/logs (query string)", () => {
  it("200 with only the caller's logs, newest first and within limit, or 400; never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const mine = new Set(await logIdsOf(editor.accessToken));
    await check("GET /v1/logs", listQuery, 350, async (entries) => {
      const path = withQuery(
        "/v1/logs",
        entries.map(([key, value]) => [key, value === "VICTIM" ? victim.user.id : value]),
      );
      const res = await fuzzCase(tally, { path, token: editor.accessToken });
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) {
        const items = res.body.items as { id: string; eatenAt: string }[];
        for (const item of items) expect(mine.has(item.id), `${item.id} is not the caller's`).toBe(true);
        const limit = Number(new URLSearchParams(path.split("?")[1] ?? "").get("limit") ?? 20);
        expect(items.length).toBeLessThanOrEqual(limit);
        for (let i = 1; i < items.length; i++) {
          expect(Date.parse(items[i - 1]!.eatenAt)).toBeGreaterThanOrEqual(Date.parse(items[i]!.eatenAt));
        }
      }
    });
  });
});

const summaryQuery = fc
  .record({
    from: fc.option(dayString(), { nil: undefined }),
    to: fc.option(dayString(), { nil: undefined }),
    span: fc.integer({ min: -3, max: 100 }),
    useSpan: fc.boolean(),
  })
  .map(({ from, to, span, useSpan }) => {
    if (useSpan && from && /^\d{4}-\d{2}-\d{2}$/.test(from) && !Number.isNaN(Date.parse(from))) {
      const end = new Date(Date.parse(from) + span * DAY_MS).toISOString().slice(0, 10);
      return { from, to: end };
    }
    return { from, to };
  });

describe("fuzz GET /v1/logs/summary (query string)", () => {
  it("200 with one entry per day (≤ 93) and consistent totals, or 400; never a 5xx", {
    timeout: 120_000,
  }, async () => {
    await check("GET /v1/logs/summary", summaryQuery, 250, async ({ from, to }) => {
      const entries: [string, string][] = [];
      if (from !== undefined) entries.push(["from", wellFormed(from)]);
      if (to !== undefined) entries.push(["to", wellFormed(to)]);
      const res = await fuzzCase(tally, {
        path: withQuery("/v1/logs/summary", entries),
        token: editor.accessToken,
      });
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) {
        const days = res.body.days as { date: string; meals: number; calories: number }[];
        expect(days.length).toBe((Date.parse(to!) - Date.parse(from!)) / DAY_MS + 1);
        expect(days.length).toBeLessThanOrEqual(93);
        expect(res.body.totals.meals).toBe(days.reduce((sum, day) => sum + day.meals, 0));
        expect(res.body.totals.calories).toBe(days.reduce((sum, day) => sum + day.calories, 0));
      }
    });
  });
});

// ---- bugs the fuzzing found, now fixed (the properties above generate these inputs too) ---------

describe("bugs found by fuzzing (fixed)", () => {
  // A fixed bug, kept as a regression test (src/routes/logs/logs.schemas.ts logFields.title / note):
  // zod accepts U+0000, PostgreSQL text cannot hold it (SQLSTATE 22021), the NeonDbError is not mapped
  // and the request is a 500.
  it("a NUL character in a log title or note is a 400, not a 500", async () => {
    expectConsoleError();
    const user = await account();
    for (const body of [{ title: "a\u0000b" }, { title: "ok", note: "\u0000" }]) {
      const res = await send({
        method: "POST",
        path: "/v1/logs",
        token: user.accessToken,
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", ...body },
      });
      expect(res.status).toBe(400);
    }
  });

  // A fixed bug, kept as a regression test (src/routes/logs/logs.schemas.ts DaySchema = z.iso.date()):
  // year 0000 passes the regex, `${from}::date` is refused by PostgreSQL (SQLSTATE 22008) → 500 on GET
  // /v1/logs?from= and on GET /v1/logs/summary.
  it("a year-0000 day in ?from= is a 400, not a 500", async () => {
    expectConsoleError();
    const user = await account();
    for (const path of ["/v1/logs?from=0000-01-01", "/v1/logs/summary?from=0000-01-01&to=0000-01-05"]) {
      const res = await send({ path, token: user.accessToken });
      expect(res.status).toBe(400);
    }
  });
});

describe("figures", () => {
  it("no 5xx, no contract violation, no write by a rejected request, no row lost", async () => {
    expect(tally.fiveXX).toEqual([]);
    expect(tally.violations).toEqual([]);
    expect(tally.writesByRejected).toBe(0);
    expect(tally.rowsLost).toBe(0);
    expect(await fingerprint(victim.user.id)).toBeTruthy();
  });
});
