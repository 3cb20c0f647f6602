import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { PgSelect } from "drizzle-orm/pg-core";
import { badges, challengeParticipants, challenges } from "../db/challenge-tables";
import type { Database } from "../db/client";
import { guardedRead } from "../db/session-guard";
import { decodeCursor, keysetPage } from "../lib/cursor";
import { ApiError } from "../lib/errors";
import { assertUuid, uuidv7 } from "../lib/ids";
import type { Challenge, ChallengeStatus, Progress, Rule } from "../routes/challenges/challenges.schemas";
import type { AuthContext, Services } from "../types";
import { createIdempotently, notReplayed, type Replay } from "./idempotency";
import { dropLeaderboard } from "./leaderboard";
import { guardedWrite } from "./writes";

export type ChallengeInput = {
  title: string;
  description: string;
  rule: Rule;
  startsAt: string;
  endsAt: string | null;
  durationDays: number | null;
};

export const challengeNotFound = () => new ApiError("NOT_FOUND", { detail: "No challenge with this id." });
const notFound = challengeNotFound;

const mine = sql`me`;

/** The API's challenge, as the caller sees it (joined / progress are theirs). */
function challengeSelect() {
  return {
    id: challenges.id,
    title: challenges.title,
    description: challenges.description,
    rule: sql<Rule>`${challenges.rule}`,
    startsAt: sql<string>`iso_utc(${challenges.startsAt})`,
    endsAt: sql<string | null>`iso_utc(${challenges.endsAt})`,
    durationDays: challenges.durationDays,
    official: challenges.official,
    createdBy: challenges.createdBy,
    participants: sql<number>`coalesce((select n.participants from challenge_participant_counts n where n.challenge_id = ${challenges.id}), 0)`,
    badge: sql<Challenge["badge"]>`case when ${badges.code} is null then null else jsonb_build_object(
      'code', ${badges.code}, 'name', ${badges.name}, 'description', ${badges.description}, 'icon', ${badges.icon}) end`,
    progress: sql<Progress | null>`case when ${mine}.user_id is null then null else jsonb_build_object(
      'current', ${mine}.current, 'target', (${challenges.rule}->>'target')::int,
      'completed', ${mine}.completed_at is not null, 'completedAt', iso_utc(${mine}.completed_at)) end`,
  };
}

type ChallengeRow = Omit<Challenge, "joined">;

function challengesFor(db: Database, userId: string) {
  return withCaller(db.select(challengeSelect()).from(challenges).$dynamic(), userId);
}

/** The joins of the caller's view: the challenge's badge and the caller's own participation. */
function withCaller<T extends PgSelect>(query: T, userId: string) {
  return query
    .leftJoin(badges, eq(badges.code, challenges.badgeCode))
    .leftJoin(
      sql`${challengeParticipants} as ${mine}`,
      sql`${mine}.challenge_id = ${challenges.id} and ${mine}.user_id = ${userId}`,
    );
}

const toChallenge = (row: ChallengeRow): Challenge => ({
  ...row,
  joined: row.progress !== null,
});

const statusCondition: Record<ChallengeStatus, SQL> = {
  active: sql`${challenges.startsAt} <= now() and (${challenges.endsAt} is null or ${challenges.endsAt} > now())`,
  upcoming: sql`${challenges.startsAt} > now()`,
  ended: sql`${challenges.endsAt} <= now()`,
};

export type ChallengeFilters = { status?: ChallengeStatus; joined?: boolean; limit: number; cursor?: string };

/** Newest start first, keyset-paged on (startsAt, id). */
export async function listChallenges(services: Services, auth: AuthContext, filters: ChallengeFilters) {
  const { db } = services;
  const conditions: SQL[] = [];
  if (filters.status) conditions.push(statusCondition[filters.status]);
  if (filters.joined !== undefined)
    conditions.push(sql`${mine}.user_id is ${sql.raw(filters.joined ? "not null" : "null")}`);
  if (filters.cursor) {
    const after = decodeCursor(filters.cursor);
    conditions.push(
      sql`(${challenges.startsAt}, ${challenges.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`,
    );
  }
  const rows = await guardedRead(
    db,
    auth.sessionId,
    challengesFor(db, auth.userId)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(desc(challenges.startsAt), desc(challenges.id))
      .limit(filters.limit + 1),
  );
  const { page, nextCursor } = keysetPage(rows as ChallengeRow[], filters.limit, (row) => ({
    at: row.startsAt,
    id: row.id,
  }));
  return { items: page.map(toChallenge), nextCursor };
}

export async function getChallenge(services: Services, auth: AuthContext, id: string): Promise<Challenge> {
  const { db } = services;
  assertUuid(id, notFound);
  const [row] = await guardedRead(
    db,
    auth.sessionId,
    challengesFor(db, auth.userId).where(eq(challenges.id, id)),
  );
  if (!row) throw notFound();
  return toChallenge(row as ChallengeRow);
}

/** The caller's view of challenges as one JSON value per row, from the same fields as `challengesFor`. */
function challengeJsonFor(db: Database, userId: string) {
  const fields = Object.entries(challengeSelect()).map(([name, value]) => sql`${name}::text, ${value}`);
  const challenge = sql<ChallengeRow>`jsonb_build_object(${sql.join(fields, sql`, `)})`;
  return withCaller(db.select({ challenge }).from(challenges).$dynamic(), userId);
}

/**
 * A user-created challenge: not official, no badge; its creator may change it until it starts.
 * Created in one round trip; with an `Idempotency-Key` the same key and body
 * answer the first response again (services/idempotency.ts, as for logs).
 */
export async function createChallenge(
  services: Services,
  auth: AuthContext,
  input: ChallengeInput,
  idempotencyKey?: string,
): Promise<(Challenge & { replayed?: false }) | Replay> {
  const { db } = services;
  assertWindow(input.startsAt, input.endsAt);
  const id = uuidv7();
  const newChallengeJson = () => challengeJsonFor(db, auth.userId).where(eq(challenges.id, id));
  return createIdempotently(services, auth, {
    key: idempotencyKey,
    body: input,
    scope: "POST /v1/challenges ",
    insert: sql`
      insert into challenges (id, title, description, rule, starts_at, ends_at, duration_days,
                              official, created_by)
      select ${id}, ${input.title}, ${input.description}, ${JSON.stringify(input.rule)}::jsonb,
             ${input.startsAt}::timestamptz, ${input.endsAt}::timestamptz, ${input.durationDays},
             false, ${auth.userId}
      where ${notReplayed}
      returning id as result`,
    storedBody: sql`jsonb_build_object('id', result)`,
    after: () => [newChallengeJson()],
    // The reply to replay is the challenge as this response shows it.
    rewrite: { ours: sql`response_body ->> 'id' = ${id}::text`, body: sql`(${newChallengeJson()})` },
    present: (_id: string, [[row]]) => toChallenge((row as { challenge: ChallengeRow }).challenge),
    presentReplay: (body) => toChallenge(body as ChallengeRow),
  });
}

function assertWindow(startsAt: string, endsAt: string | null) {
  if (endsAt !== null && Date.parse(endsAt) <= Date.parse(startsAt)) {
    throw ApiError.invalid([{ path: "endsAt", message: "must be after startsAt" }]);
  }
}

/** Why the creator's edit matched nothing: missing, someone else's (or official), or started. */
async function explainRefusedEdit(services: Services, auth: AuthContext, id: string): Promise<never> {
  const [row] = await services.db
    .select({ createdBy: challenges.createdBy, started: sql<boolean>`${challenges.startsAt} <= now()` })
    .from(challenges)
    .where(eq(challenges.id, id));
  if (!row) throw notFound();
  if (row.createdBy !== auth.userId) {
    throw new ApiError("FORBIDDEN", { detail: "Only the creator may change or delete this challenge." });
  }
  if (row.started)
    throw new ApiError("CONFLICT", { detail: "The challenge has started; it can no longer change." });
  throw notFound();
}

const editable = (id: string, userId: string) =>
  and(eq(challenges.id, id), eq(challenges.createdBy, userId), sql`${challenges.startsAt} > now()`);

export async function updateChallenge(
  services: Services,
  auth: AuthContext,
  id: string,
  patch: Partial<ChallengeInput>,
) {
  const { db } = services;
  assertUuid(id, notFound);
  const changes: Record<string, unknown> = { updatedAt: new Date() };
  for (const field of ["title", "description", "rule", "durationDays"] as const) {
    if (patch[field] !== undefined) changes[field] = patch[field];
  }
  if (patch.startsAt !== undefined) changes.startsAt = new Date(patch.startsAt);
  if (patch.endsAt !== undefined) changes.endsAt = patch.endsAt === null ? null : new Date(patch.endsAt);
  const [updated, , [row]] = await guardedWrite(services, auth, [
    db
      .update(challenges)
      .set(changes)
      .where(
        and(
          editable(id, auth.userId),
          // The window must still run forward once the patch is applied.
          sql`coalesce(${changes.endsAt === undefined ? challenges.endsAt : (changes.endsAt as Date | null)}::timestamptz, 'infinity')
              > coalesce(${(changes.startsAt as Date | undefined) ?? null}::timestamptz, ${challenges.startsAt})`,
        ),
      )
      .returning({ id: challenges.id }),
    // Those who joined before the start follow the challenge's new window.
    db.execute(sql`
      update challenge_participants p set (window_start, window_end) = (
        select w.window_start, w.window_end
        from challenges c join users u on u.id = p.user_id,
             participant_window(c.starts_at, c.ends_at, c.duration_days, u.timezone, u.day_start_hour, p.joined_at) w
        where c.id = p.challenge_id)
      where p.challenge_id = ${id}`),
    challengesFor(db, auth.userId).where(eq(challenges.id, id)),
  ]);
  if (updated.length === 0) {
    if (row && row.createdBy === auth.userId && Date.parse(row.startsAt) > Date.now()) {
      assertWindow(patch.startsAt ?? row.startsAt, patch.endsAt === undefined ? row.endsAt : patch.endsAt);
    }
    return explainRefusedEdit(services, auth, id);
  }
  return toChallenge(row as ChallengeRow);
}

export async function deleteChallenge(services: Services, auth: AuthContext, id: string) {
  const { db } = services;
  assertUuid(id, notFound);
  const [deleted] = await guardedWrite(services, auth, [
    db.delete(challenges).where(editable(id, auth.userId)).returning({ id: challenges.id }),
  ]);
  if (deleted.length === 0) await explainRefusedEdit(services, auth, id);
  dropLeaderboard(services, id);
}
