import { describe, expect, it } from "vitest";
import { callJson, expectProblem } from "../helpers/http";
import { expectInvalid, expectNoLogs, getLog, logMeal, patchLog, postLog, validLog } from "../helpers/logs";
import { newUser } from "../helpers/users";

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** An ISO instant `ms` from now, with an explicit offset. */
const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString().replace("Z", "+00:00");
const elevenTags = Array.from({ length: 11 }, (_, i) => `tag-${i}`);
const tenTags = elevenTags.slice(0, 10);

/** [what, the body's change (undefined drops the field), the path the error must name] */
type Case = [string, Record<string, unknown>, string];

const invalidCreates: Case[] = [
  // mealType: one of four
  ["mealType missing", { mealType: undefined }, "mealType"],
  ["mealType not in the enum", { mealType: "brunch" }, "mealType"],
  ["mealType in another case", { mealType: "Lunch" }, "mealType"],
  ["mealType empty", { mealType: "" }, "mealType"],
  ["mealType null", { mealType: null }, "mealType"],
  // eatenAt: ISO 8601 with an offset, not more than a day ahead
  ["eatenAt missing", { eatenAt: undefined }, "eatenAt"],
  ["eatenAt without an offset", { eatenAt: "2026-11-20T12:30:00" }, "eatenAt"],
  ["eatenAt a date only", { eatenAt: "2026-11-20" }, "eatenAt"],
  ["eatenAt in words", { eatenAt: "yesterday at noon" }, "eatenAt"],
  ["eatenAt a number", { eatenAt: 1763600000000 }, "eatenAt"],
  ["eatenAt an impossible date", { eatenAt: "2026-02-30T12:00:00+09:00" }, "eatenAt"],
  ["eatenAt 25 hours ahead", { eatenAt: fromNow(25 * HOUR) }, "eatenAt"],
  ["eatenAt a week ahead", { eatenAt: fromNow(7 * DAY) }, "eatenAt"],
  ["eatenAt before 2000", { eatenAt: "1999-12-31T12:00:00+00:00" }, "eatenAt"],
  // title: 1..200 characters, not blank
  ["title missing", { title: undefined }, "title"],
  ["title empty", { title: "" }, "title"],
  ["title only whitespace", { title: "   \t  " }, "title"],
  ["title of 201 characters", { title: "a".repeat(201) }, "title"],
  ["title null", { title: null }, "title"],
  ["title a number", { title: 42 }, "title"],
  // note: at most 2000 characters
  ["note of 2001 characters", { note: "n".repeat(2001) }, "note"],
  ["note a number", { note: 7 }, "note"],
  // photoUrl: https or null
  ["photoUrl over http", { photoUrl: "http://images.example.com/a.jpg" }, "photoUrl"],
  ["photoUrl a javascript: URL", { photoUrl: "javascript:alert(1)" }, "photoUrl"],
  ["photoUrl a data: URL", { photoUrl: "data:image/png;base64,iVBORw0KGgo=" }, "photoUrl"],
  ["photoUrl not a URL", { photoUrl: "a picture of rice" }, "photoUrl"],
  ["photoUrl over ftp", { photoUrl: "ftp://images.example.com/a.jpg" }, "photoUrl"],
  // calories: integer 0..10000
  ["calories 10001", { calories: 10_001 }, "calories"],
  ["calories -1", { calories: -1 }, "calories"],
  ["calories 1.5", { calories: 1.5 }, "calories"],
  ["calories a string", { calories: "500" }, "calories"],
  // grams: 0..1000, decimals allowed
  ["proteinG 1000.5", { proteinG: 1000.5 }, "proteinG"],
  ["proteinG -0.5", { proteinG: -0.5 }, "proteinG"],
  ["carbsG 1000.5", { carbsG: 1000.5 }, "carbsG"],
  ["carbsG -1", { carbsG: -1 }, "carbsG"],
  ["fatG 1000.5", { fatG: 1000.5 }, "fatG"],
  ["fatG a string", { fatG: "12" }, "fatG"],
  // tags: at most 10 distinct lowercase slugs of at most 32 characters
  ["11 tags", { tags: elevenTags }, "tags"],
  ["an uppercase tag", { tags: ["Vegetable"] }, "tags.0"],
  ["a tag with a space", { tags: ["green salad"] }, "tags.0"],
  ["a tag of 33 characters", { tags: ["a".repeat(33)] }, "tags.0"],
  ["an empty tag", { tags: [""] }, "tags.0"],
  ["a tag with an edge hyphen", { tags: ["-veg"] }, "tags.0"],
  ["a tag that is not a string", { tags: [5] }, "tags.0"],
  ["a repeated tag", { tags: ["vegetable", "vegetable"] }, "tags"],
  ["tags not an array", { tags: "vegetable" }, "tags"],
  ["tags null", { tags: null }, "tags"],
];

const withChange = (change: Record<string, unknown>) => {
  const body: Record<string, unknown> = validLog();
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) delete body[key];
    else body[key] = value;
  }
  return body;
};

describe("POST /v1/logs: every field limit is a 400 that writes nothing", () => {
  it.each(invalidCreates)("%s", async (_what, change, path) => {
    const account = await newUser();
    const { response } = await postLog(account.accessToken, withChange(change));
    await expectInvalid(response, path);
    await expectNoLogs(account.accessToken);
  });

  it("reports every invalid field at once", async () => {
    const account = await newUser();
    const { response } = await postLog(account.accessToken, {
      mealType: "brunch",
      eatenAt: "noon",
      title: "",
      calories: -5,
      tags: ["BAD"],
    });
    const problem = await expectInvalid(response, "mealType");
    expect(problem.errors!.map((error) => error.path)).toEqual(
      expect.arrayContaining(["mealType", "eatenAt", "title", "calories", "tags.0"]),
    );
    await expectNoLogs(account.accessToken);
  });
});

describe("POST /v1/logs: the limits themselves are accepted", () => {
  const accepted: [string, Record<string, unknown>][] = [
    ["a title of 1 character", { title: "밥" }],
    ["a title of 200 characters", { title: "t".repeat(200) }],
    ["a note of 2000 characters", { note: "n".repeat(2000) }],
    ["a null note", { note: null }],
    ["an https photoUrl", { photoUrl: "https://images.example.com/meal.jpg?size=large" }],
    ["a null photoUrl", { photoUrl: null }],
    ["calories 0", { calories: 0 }],
    ["calories 10000", { calories: 10_000 }],
    ["null calories", { calories: null }],
    ["grams 0", { proteinG: 0, carbsG: 0, fatG: 0 }],
    ["grams 1000", { proteinG: 1000, carbsG: 1000, fatG: 1000 }],
    ["decimal grams", { proteinG: 0.5, carbsG: 999.75, fatG: 12.25 }],
    ["null grams", { proteinG: null, carbsG: null, fatG: null }],
    ["10 tags", { tags: tenTags }],
    ["a tag of 32 characters", { tags: ["a".repeat(32)] }],
    ["slug tags with digits and hyphens", { tags: ["low-carb", "k-food", "vitamin-b12"] }],
    ["no tags", { tags: [] }],
    ["eatenAt 23 hours ahead", { eatenAt: fromNow(23 * HOUR) }],
    ["eatenAt in Z form", { eatenAt: "2026-11-20T03:30:00Z" }],
    ["eatenAt with fractional seconds", { eatenAt: "2026-11-20T12:30:00.123+09:00" }],
  ];

  it.each(accepted)("%s", async (_what, change) => {
    const account = await newUser();
    const { status, body } = await postLog(account.accessToken, withChange(change));
    expect(status).toBe(201);
    for (const [key, value] of Object.entries(change)) {
      if (key === "eatenAt") expect(Date.parse(body.log.eatenAt)).toBe(Date.parse(value as string));
      else expect(body.log[key as keyof typeof body.log]).toEqual(value);
    }
  });
});

describe("POST /v1/logs: unknown fields", () => {
  it.each([
    ["an unknown field", { foo: "bar" }],
    ["localDate (the server computes it)", { localDate: "2026-01-01" }],
    ["id", { id: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }],
    ["userId", { userId: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }],
    ["createdAt", { createdAt: "2020-01-01T00:00:00Z" }],
  ])("refuses %s with 400 and writes nothing", async (_what, extra) => {
    const account = await newUser();
    const { response } = await postLog(account.accessToken, validLog(extra));
    const problem = await expectProblem(response, 400);
    expect(problem.code).toBe("INVALID_INPUT");
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: expect.any(String), message: expect.stringContaining(Object.keys(extra)[0]!) },
      ]),
    );
    await expectNoLogs(account.accessToken);
  });

  // zod reports unknown keys on their parent object; the API names each field, like any other error.
  it("names the unknown field in errors[].path", async () => {
    const account = await newUser();
    const { response } = await postLog(account.accessToken, validLog({ foo: "bar" }));
    await expectInvalid(response, "foo");
  });
});

describe("POST /v1/logs: bodies that are not a JSON object", () => {
  it("answers 415 to a body that is not JSON, and writes nothing", async () => {
    const account = await newUser();
    const { response } = await callJson("/v1/logs", {
      method: "POST",
      token: account.accessToken,
      rawBody: "mealType=lunch&title=Rice",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect((await expectProblem(response, 415)).code).toBe("UNSUPPORTED_MEDIA_TYPE");
    await expectNoLogs(account.accessToken);
  });

  it("answers 415 to JSON sent as text/plain", async () => {
    const account = await newUser();
    const { response } = await callJson("/v1/logs", {
      method: "POST",
      token: account.accessToken,
      rawBody: JSON.stringify(validLog()),
      headers: { "content-type": "text/plain" },
    });
    await expectProblem(response, 415);
    await expectNoLogs(account.accessToken);
  });

  it("answers 400 to malformed JSON, and writes nothing", async () => {
    const account = await newUser();
    const { response } = await callJson("/v1/logs", {
      method: "POST",
      token: account.accessToken,
      rawBody: '{"mealType": "lunch", "title": ',
      headers: { "content-type": "application/json" },
    });
    const problem = await expectProblem(response, 400);
    expect(problem.code).toBe("MALFORMED_REQUEST");
    await expectNoLogs(account.accessToken);
  });

  it.each([
    ["an array", [validLog()]],
    ["a string", "lunch"],
    ["null", null],
  ])("answers 400 to %s instead of an object", async (_what, body) => {
    const account = await newUser();
    const { response } = await callJson("/v1/logs", {
      method: "POST",
      token: account.accessToken,
      rawBody: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    await expectProblem(response, 400);
    await expectNoLogs(account.accessToken);
  });

  it("answers 400 to a request without a body", async () => {
    const account = await newUser();
    const { response } = await callJson("/v1/logs", { method: "POST", token: account.accessToken });
    await expectProblem(response, 400);
    await expectNoLogs(account.accessToken);
  });

  it("answers 413 to a body over 64 KiB", async () => {
    const account = await newUser();
    const { response } = await postLog(account.accessToken, validLog({ note: "n".repeat(70_000) }));
    expect((await expectProblem(response, 413)).code).toBe("PAYLOAD_TOO_LARGE");
    await expectNoLogs(account.accessToken);
  });
});

const invalidPatches: Case[] = [
  ["mealType not in the enum", { mealType: "brunch" }, "mealType"],
  ["mealType null", { mealType: null }, "mealType"],
  ["eatenAt without an offset", { eatenAt: "2026-11-20T12:30:00" }, "eatenAt"],
  ["eatenAt 25 hours ahead", { eatenAt: fromNow(25 * HOUR) }, "eatenAt"],
  ["eatenAt null", { eatenAt: null }, "eatenAt"],
  ["title empty", { title: "" }, "title"],
  ["title only whitespace", { title: "    " }, "title"],
  ["title of 201 characters", { title: "a".repeat(201) }, "title"],
  ["title null", { title: null }, "title"],
  ["note of 2001 characters", { note: "n".repeat(2001) }, "note"],
  ["photoUrl over http", { photoUrl: "http://images.example.com/a.jpg" }, "photoUrl"],
  ["photoUrl a javascript: URL", { photoUrl: "javascript:alert(1)" }, "photoUrl"],
  ["calories 10001", { calories: 10_001 }, "calories"],
  ["calories -1", { calories: -1 }, "calories"],
  ["calories 1.5", { calories: 1.5 }, "calories"],
  ["proteinG 1000.5", { proteinG: 1000.5 }, "proteinG"],
  ["carbsG 1000.5", { carbsG: 1000.5 }, "carbsG"],
  ["fatG 1000.5", { fatG: 1000.5 }, "fatG"],
  ["11 tags", { tags: elevenTags }, "tags"],
  ["an uppercase tag", { tags: ["Vegetable"] }, "tags.0"],
  ["a tag with a space", { tags: ["green salad"] }, "tags.0"],
  ["a tag of 33 characters", { tags: ["a".repeat(33)] }, "tags.0"],
  ["a repeated tag", { tags: ["fruit", "fruit"] }, "tags"],
  ["tags null", { tags: null }, "tags"],
  ["a valid field next to an invalid one", { title: "Fine", calories: 20_000 }, "calories"],
];

describe("PATCH /v1/logs/:id: every field limit is a 400 that changes nothing", () => {
  it.each(invalidPatches)("%s", async (_what, change, path) => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, { calories: 500, tags: ["homemade"] });
    const { response } = await patchLog(account.accessToken, log.id, change);
    await expectInvalid(response, path);
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
  });

  it("refuses {} (nothing to change) with 400", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    const { response } = await patchLog(account.accessToken, log.id, {});
    const problem = await expectProblem(response, 400);
    expect(problem.code).toBe("INVALID_INPUT");
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
  });

  it.each([
    ["an unknown field", { foo: "bar" }],
    ["localDate (the server computes it)", { localDate: "2026-01-01" }],
    ["id", { id: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }],
    ["createdAt", { createdAt: "2020-01-01T00:00:00Z" }],
  ])("refuses %s with 400, even next to a valid change", async (_what, extra) => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    const { response } = await patchLog(account.accessToken, log.id, { title: "Changed", ...extra });
    expect((await expectProblem(response, 400)).code).toBe("INVALID_INPUT");
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
  });

  it("answers 415 to a body that is not JSON, 400 to malformed JSON; the log stays", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    const notJson = await callJson(`/v1/logs/${log.id}`, {
      method: "PATCH",
      token: account.accessToken,
      rawBody: "title=Changed",
      headers: { "content-type": "text/plain" },
    });
    await expectProblem(notJson.response, 415);
    const malformed = await callJson(`/v1/logs/${log.id}`, {
      method: "PATCH",
      token: account.accessToken,
      rawBody: "{title: Changed}",
      headers: { "content-type": "application/json" },
    });
    await expectProblem(malformed.response, 400);
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
  });
});
