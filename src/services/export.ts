import { eq, type SQL, sql } from "drizzle-orm";
import { users } from "../db/schema";
import { guarded, guardedRead } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import type { User } from "../routes/users/users.schemas";
import type { AuthContext, Services } from "../types";
import { foodJson } from "./foods";
import { presentLog } from "./photos";
import { toUser } from "./users";

/**
 * The account export (the right of access): everything stored about the user as ONE JSON document
 * of any size, streamed. Neon answers 507 over 10 MiB of response, and a heavy diary is more than
 * that, so the document is never built whole: each list is read in keyset pages (bounded rows, by
 * index, each response far below the limit), and each page is written to the response as soon as
 * it arrives, as JSON text PostgreSQL built (the Worker neither parses nor holds the data).
 *
 * Consistency: Neon's HTTP protocol has no snapshot across requests, so each page is read at its
 * own moment. Pages follow keys that never change (ids and creation times), so a row present for
 * the whole export appears exactly once; a row created during the export appears if its key is
 * after the page being read, one deleted may or may not appear, and an edited log appears as it
 * was when its page was read.
 *
 * Failure: the status (200) is sent with the first bytes. If a later page cannot be read (the
 * database fails, the session ends), the body ends there with a line that is not JSON (and the
 * document is left open), so it can never parse: never a valid-looking, silently shortened export.
 */

/**
 * Rows per page. A maximal log is ≈ 13 KB of JSON (4-byte characters in every text field): ≈ 1.3 MB.
 * 100, not more: a page of a heavy diary stays under 10 ms of database time (npm run bench:scale).
 */
export const EXPORT_PAGE_ROWS = 100;

/** What the stream writes before failing (a `!` can never continue a JSON document). */
export const EXPORT_FAILED_MARK = "\n!export failed: the rest could not be read; this file is incomplete\n";

/** A row of a page: its JSON text, its key, and (logs) a stored photo's key to sign. */
type PageRow = { json: string; k1: string; k2: string; photo_key?: string | null };
type Section = {
  name: string;
  /** One page after the key (k1, k2) of the last row of the previous page, or from the start. */
  page: (userId: string, sessionId: string, after: [string, string] | null) => SQL;
};

const after = (keys: SQL, last: [string, string] | null) =>
  last ? sql`and ${keys} > (${last[0]}, ${last[1]})` : sql``;

/** The lists of the export, in document order; each key is unique per user and never changes. */
const SECTIONS: Section[] = [
  {
    name: "sessions",
    page: (userId, sessionId, last) => sql`
      select json_build_object('id', s.id, 'createdAt', iso_utc(s.created_at), 'expiresAt', iso_utc(s.expires_at),
               'revokedAt', iso_utc(s.revoked_at), 'current', s.id = ${sessionId})::text as json,
             s.created_at::text as k1, s.id::text as k2
      from sessions s
      where s.user_id = ${userId} ${after(sql`(s.created_at, s.id)`, last)}
      order by s.created_at, s.id limit ${EXPORT_PAGE_ROWS}`,
  },
  {
    name: "logs",
    page: (userId, _sessionId, last) => sql`
      select (meal_log_json(m) - 'photoKey')::text as json, m.id::text as k1, '' as k2, m.photo_key
      from meal_logs m
      where m.user_id = ${userId} ${last ? sql`and m.id > ${last[0]}` : sql``}
      order by m.id limit ${EXPORT_PAGE_ROWS}`,
  },
  {
    name: "challengesJoined",
    page: (userId, _sessionId, last) => sql`
      select json_build_object('challengeId', p.challenge_id, 'title', c.title, 'joinedAt', iso_utc(p.joined_at),
               'windowStart', p.window_start, 'windowEnd', p.window_end, 'current', p.current,
               'completedAt', iso_utc(p.completed_at), 'finalRank', p.final_rank)::text as json,
             p.joined_at::text as k1, p.challenge_id::text as k2
      from challenge_participants p join challenges c on c.id = p.challenge_id
      where p.user_id = ${userId} ${after(sql`(p.joined_at, p.challenge_id)`, last)}
      order by p.joined_at, p.challenge_id limit ${EXPORT_PAGE_ROWS}`,
  },
  {
    name: "challengesCreated",
    page: (userId, _sessionId, last) => sql`
      select json_build_object('id', c.id, 'title', c.title, 'createdAt', iso_utc(c.created_at))::text as json,
             c.created_at::text as k1, c.id::text as k2
      from challenges c
      where c.created_by = ${userId} ${after(sql`(c.created_at, c.id)`, last)}
      order by c.created_at, c.id limit ${EXPORT_PAGE_ROWS}`,
  },
  {
    name: "foods",
    page: (userId, _sessionId, last) => sql`
      select (${foodJson(userId)})::text as json, f.id::text as k1, '' as k2
      from foods f
      where f.owner_id = ${userId} ${last ? sql`and f.id > ${last[0]}::uuid` : sql``}
      order by f.id limit ${EXPORT_PAGE_ROWS}`,
  },
  {
    name: "badges",
    page: (userId, _sessionId, last) => sql`
      select json_build_object('code', b.badge_code, 'earnedAt', iso_utc(b.earned_at))::text as json,
             b.earned_at::text as k1, b.badge_code as k2
      from user_badges b
      where b.user_id = ${userId} ${after(sql`(b.earned_at, b.badge_code)`, last)}
      order by b.earned_at, b.badge_code limit ${EXPORT_PAGE_ROWS}`,
  },
];

/**
 * Checks the session and reads the profile and the first page of every list in one round trip
 * (so a 401 or 503 is still a proper problem answer), then returns the document as a stream that
 * reads the remaining pages as the client consumes it.
 */
export async function exportMe(services: Services, auth: AuthContext): Promise<ReadableStream<Uint8Array>> {
  const { db } = services;
  const [[row], ...firstPages] = await guarded(db, auth.sessionId, [
    db.select().from(users).where(eq(users.id, auth.userId)),
    ...SECTIONS.map((section) => db.execute<PageRow>(section.page(auth.userId, auth.sessionId, null))),
  ]);
  if (!row) throw new ApiError("UNAUTHENTICATED", { detail: "This account no longer exists." });
  const readPage = async (section: Section, last: [string, string]) => {
    const page = await guardedRead(
      db,
      auth.sessionId,
      db.execute<PageRow>(section.page(auth.userId, auth.sessionId, last)),
    );
    return page.rows;
  };
  return toStream(
    services,
    documentParts(
      toUser(row),
      firstPages.map((page) => page.rows),
      readPage,
      (page) => rowsJson(services, page),
    ),
  );
}

/** A page's rows as JSON text; a log with a stored photo gets its signed URL (the rest pass as built). */
async function rowsJson(services: Services, rows: PageRow[]) {
  const texts = await Promise.all(
    rows.map(async (row) =>
      row.photo_key
        ? JSON.stringify(await presentLog(services, { ...JSON.parse(row.json), photoKey: row.photo_key }))
        : row.json,
    ),
  );
  return texts.join(",");
}

async function* documentParts(
  profile: User,
  firstPages: PageRow[][],
  readPage: (section: Section, last: [string, string]) => Promise<PageRow[]>,
  rowsJson: (rows: PageRow[]) => Promise<string>,
): AsyncGenerator<string> {
  yield `{"exportedAt":${JSON.stringify(new Date().toISOString())},"profile":${JSON.stringify(profile)}`;
  for (const [index, section] of SECTIONS.entries()) {
    yield `,${JSON.stringify(section.name)}:[`;
    let rows = firstPages[index] ?? [];
    let first = true;
    for (;;) {
      if (rows.length > 0) yield (first ? "" : ",") + (await rowsJson(rows));
      first = false;
      const last = rows.at(-1);
      if (!last || rows.length < EXPORT_PAGE_ROWS) break;
      rows = await readPage(section, [last.k1, last.k2]);
    }
    yield "]";
  }
  yield "}";
}

/**
 * Pulls the parts as the client reads (backpressure: one page in memory at a time). A failure ends
 * the body with the mark: the document can then never parse. (Erroring the stream instead would
 * drop the mark in flight and only surface in the runtime as an uncaught error.)
 */
function toStream(services: Services, parts: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await parts.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      } catch (err) {
        services.logger.warn("export stream failed after the response started", { err });
        controller.enqueue(encoder.encode(EXPORT_FAILED_MARK));
        controller.close();
      }
    },
    async cancel() {
      await parts.return(undefined);
    },
  });
}
