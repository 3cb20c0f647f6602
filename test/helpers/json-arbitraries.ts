import { fc } from "@fast-check/vitest";
import { nastyString } from "./arbitraries";

/**
 * fast-check arbitraries of JSON bodies and queries: generated from a schema description and
 * deliberately outside it (wrong types, missing and hostile fields, repeated keys, invalid tokens).
 */

/** A raw JSON token placed as is by `toJsonText` (numbers JSON.stringify cannot write, invalid tokens). */
export class Raw {
  constructor(readonly text: string) {}
  toString() {
    return this.text;
  }
}

/** An object serialized with repeated keys (JSON.parse keeps the last). */
export class Entries {
  constructor(readonly entries: [string, unknown][]) {}
}

/** Serializes a value that may contain Raw tokens and Entries into JSON text (maybe not valid JSON). */
export function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Entries)
    return `{${value.entries.map(([key, inner]) => `${JSON.stringify(key)}:${toJsonText(inner)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.entries(value)
      .map(([key, inner]) => `${JSON.stringify(key)}:${toJsonText(inner)}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/** Valid JSON number tokens JSON.stringify never writes, or writes differently. */
export const RAW_NUMBERS = [
  "1e309",
  "-1e309",
  "-0",
  "-0.0",
  "0e0",
  "1e-400",
  "1E2",
  "1.0",
  "9007199254740993",
  "123456789012345678901234567890",
  "-1",
  "1.5",
  "10000.0000000001",
  "1000.005",
  "999.999",
];
/** Tokens that make the text invalid JSON. */
const INVALID_TOKENS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "0x10",
  "01",
  "+1",
  ".5",
  "1.",
  "undefined",
  "'x'",
  "tru",
];
/** A nested array/object `depth` levels deep. */
export const deepValue = (depth: number, kind: "array" | "object"): Raw =>
  new Raw(
    kind === "array"
      ? `${"[".repeat(depth)}${"]".repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

/** A JSON value of any type, including ones no schema expects: the "wrong type" generator. */
export function anyValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(null, true, false, 0, 1, -1, 0.5, "", [], {}),
    nastyString(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(...RAW_NUMBERS).map((text) => new Raw(text)),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    fc.constantFrom(deepValue(64, "array"), deepValue(500, "object"), deepValue(5000, "array")),
  );
}

/** Keys a client might add hoping for mass assignment or prototype pollution. */
export const HOSTILE_KEYS = [
  "id",
  "userId",
  "user_id",
  "email",
  "official",
  "badgeCode",
  "createdBy",
  "passwordHash",
  "role",
  "isAdmin",
  "__proto__",
  "constructor",
  "prototype",
  "localDate",
  "createdAt",
];

export type BodySpec = {
  /** Valid values of each field (required fields are always present in a valid body). */
  fields: Record<string, fc.Arbitrary<unknown>>;
  required: string[];
  /** Field-specific wrong values (besides the generic `anyValue()`). */
  wrong?: Record<string, fc.Arbitrary<unknown>>;
};

type Mutation =
  | { kind: "wrong"; key: string; value: unknown }
  | { kind: "drop"; key: string }
  | { kind: "extra"; key: string; value: unknown }
  | { kind: "duplicate"; key: string; value: unknown; first: boolean };

/**
 * Body texts generated from a schema description and deliberately outside it: valid bodies,
 * bodies with 1-3 mutations (a field of the wrong type or value, a missing required field, an
 * unknown or hostile field, a repeated key), and junk (other JSON types, invalid JSON, invalid
 * number tokens, deep nesting, empty).
 */
export function bodyText(spec: BodySpec, weights = { valid: 3, mutated: 6, junk: 2 }): fc.Arbitrary<string> {
  const keys = Object.keys(spec.fields);
  const optional = keys.filter((key) => !spec.required.includes(key));
  const valid = fc.tuple(fc.record(spec.fields), fc.subarray(optional)).map(([values, chosen]) => {
    const body: Record<string, unknown> = {};
    for (const key of keys) if (spec.required.includes(key) || chosen.includes(key)) body[key] = values[key];
    return body;
  });
  const wrongFor = (key: string) => (spec.wrong?.[key] ? fc.oneof(spec.wrong[key]!, anyValue()) : anyValue());
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .constantFrom(...keys)
        .chain((key) => wrongFor(key).map((value) => ({ kind: "wrong" as const, key, value }))),
    },
    { weight: 2, arbitrary: fc.constantFrom(...keys).map((key) => ({ kind: "drop" as const, key })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 12 })), anyValue())
        .map(([key, value]) => ({ kind: "extra" as const, key, value })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...keys), anyValue(), fc.boolean())
        .map(([key, value, first]) => ({ kind: "duplicate" as const, key, value, first })),
    },
  );
  const mutated = fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([body, mutations]) => {
      const entries = Object.entries(body) as [string, unknown][];
      const result = new Map(entries);
      const duplicates: [string, unknown][] = [];
      const before: [string, unknown][] = [];
      for (const m of mutations) {
        if (m.kind === "wrong") result.set(m.key, m.value);
        else if (m.kind === "drop") result.delete(m.key);
        else if (m.kind === "extra") result.set(m.key, m.value);
        else if (m.first) before.push([m.key, m.value]);
        else duplicates.push([m.key, m.value]);
      }
      return toJsonText(new Entries([...before, ...result.entries(), ...duplicates]));
    });
  const junk = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? "null"),
    anyValue().map(toJsonText),
    fc.constantFrom(...INVALID_TOKENS).map((token) => `{"${keys[0]}":${token}}`),
    fc.constantFrom(
      "",
      "{",
      "}",
      "[",
      '{"a":}',
      '{"a" 1}',
      "{'a':1}",
      "\ufeff{}",
      "{}garbage",
      "null",
      "\u0000",
      " ",
    ),
    fc.string({ unit: "binary", maxLength: 50 }),
  );
  return fc.oneof(
    { weight: weights.valid, arbitrary: valid.map(toJsonText) },
    { weight: weights.mutated, arbitrary: mutated },
    { weight: weights.junk, arbitrary: junk },
  );
}

/** Content types a client might send with a body; the JSON ones must be accepted, the rest 415. */
export const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/merge-patch+json",
  "application/problem+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/jsonx",
  "application/json\u0000",
  "",
];
/** Appends a query string built from entries (values encoded, or raw when wrapped in Raw). */
export function withQuery(path: string, entries: [string, string | Raw][]) {
  if (entries.length === 0) return path;
  const parts = entries.map(([key, value]) =>
    value instanceof Raw ? `${key}=${value.text}` : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`,
  );
  return `${path}?${parts.join("&")}`;
}
