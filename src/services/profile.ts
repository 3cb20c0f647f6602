import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { badges, userBadges } from "../db/challenge-tables";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import { ApiError } from "../lib/errors";
import { assertUuid } from "../lib/ids";
import type { BadgeFields, EarnedBadge } from "../routes/badges/badges.schemas";
import type { PublicProfile, Stats } from "../routes/users/users.schemas";
import type { AuthContext, Services } from "../types";
import { readThrough } from "./user-cache";

const earnedAt = sql<string>`iso_utc(${userBadges.earnedAt})`;

/**
 * The user's badges, one row each, as a left join from the user row: a user without badges still
 * gets one row (with a null code), which carries `cache_version` read by the same statement.
 */
const earnedBadgesQuery = (db: Database, userId: string) =>
  db
    .select({
      version: users.cacheVersion,
      code: badges.code,
      name: badges.name,
      description: badges.description,
      icon: badges.icon,
      earnedAt,
    })
    .from(users)
    .leftJoin(userBadges, eq(userBadges.userId, users.id))
    .leftJoin(badges, eq(badges.code, userBadges.badgeCode))
    .where(eq(users.id, userId))
    .orderBy(asc(badges.sortOrder), asc(badges.code));

type BadgeRow = Awaited<ReturnType<typeof earnedBadgesQuery>>[number];

const earnedOf = (rows: BadgeRow[]): EarnedBadge[] =>
  rows.flatMap(({ code, name, description, icon, earnedAt }) =>
    code !== null && name !== null && description !== null && icon !== null && earnedAt !== null
      ? [{ code, name, description, icon, earnedAt }]
      : [],
  );

const streaksQuery = (db: Database, userId: string) =>
  db.execute<{ current_streak: number; longest_streak: number }>(
    sql`select current_streak, longest_streak from user_streaks(${userId})`,
  );

export function getStats(services: Services, auth: AuthContext): Promise<Stats> {
  const { db } = services;
  return readThrough(services, auth, "stats", async (batch) => {
    const [result] = await batch([
      db.execute<{
        version: string;
        current_streak: number | null;
        longest_streak: number | null;
        total: number;
        days: number;
        badges: number;
      }>(sql`
        select u.cache_version::text as version, s.current_streak, s.longest_streak,
               (select count(*) from meal_logs where user_id = u.id)::int as total,
               (select count(distinct local_date) from meal_logs where user_id = u.id)::int as days,
               (select count(*) from user_badges where user_id = u.id)::int as badges
        from users u left join lateral user_streaks(u.id) s on true
        where u.id = ${auth.userId}`),
    ]);
    const row = result.rows[0];
    return {
      version: Number(row?.version ?? 0),
      value: {
        currentStreak: row?.current_streak ?? 0,
        longestStreak: row?.longest_streak ?? 0,
        totalLogs: row?.total ?? 0,
        daysLogged: row?.days ?? 0,
        badgesEarned: row?.badges ?? 0,
      },
    };
  });
}

export function getMyBadges(services: Services, auth: AuthContext): Promise<{ items: EarnedBadge[] }> {
  const { db } = services;
  return readThrough(services, auth, "badges", async (batch) => {
    const [rows] = await batch([earnedBadgesQuery(db, auth.userId)]);
    return { version: rows[0]?.version ?? 0, value: { items: earnedOf(rows) } };
  });
}

/** What anyone may see of a user: name, badges, streaks. Never the email or anything private. */
export async function getPublicProfile(services: Services, userId: string): Promise<PublicProfile> {
  const { db } = services;
  const notFound = () => new ApiError("NOT_FOUND", { detail: "No user with this id." });
  assertUuid(userId, notFound);
  const [[user], earned, streaks] = await db.batch([
    db
      .select({ id: users.id, displayName: users.displayName })
      .from(users)
      .where(and(eq(users.id, userId), isNull(users.deletedAt))),
    earnedBadgesQuery(db, userId),
    streaksQuery(db, userId),
  ]);
  if (!user) throw notFound();
  const row = streaks.rows[0];
  return {
    id: user.id,
    displayName: user.displayName,
    badges: earnedOf(earned),
    stats: { currentStreak: row?.current_streak ?? 0, longestStreak: row?.longest_streak ?? 0 },
  };
}

const CATALOG_KEY = "badges:catalog";
const CATALOG_TTL_SECONDS = 3600;

// A script rather than GET: the client's auto-pipelining sends reads and scripts in separate requests,
// so only as a script does the catalog travel with the user cache's READ (one Upstash round trip).
const GET_CATALOG = "return redis.call('GET', KEYS[1])";

const cachedCatalog = (cache: Services["cache"]) =>
  cache.attempt(async (redis) => {
    const stored = await redis.eval<string[], unknown>(GET_CATALOG, [CATALOG_KEY], []);
    if (!stored) return undefined;
    return (typeof stored === "string" ? JSON.parse(stored) : stored) as BadgeFields[];
  }, undefined);

/**
 * The badge catalog, with `earned`/`earnedAt` for a signed-in caller. Warm: the catalog and the
 * caller's badges come from Redis in one pipelined round trip, no database.
 */
export async function getBadgeCatalog(services: Services, auth: AuthContext | undefined) {
  const { db, cache, defer } = services;
  const [stored, mine] = await Promise.all([
    cachedCatalog(cache),
    auth ? getMyBadges(services, auth) : Promise.resolve({ items: [] as EarnedBadge[] }),
  ]);
  let catalog = stored;
  if (!catalog) {
    catalog = await db
      .select({ code: badges.code, name: badges.name, description: badges.description, icon: badges.icon })
      .from(badges)
      .orderBy(asc(badges.sortOrder), asc(badges.code));
    defer(cache.setJson(CATALOG_KEY, catalog, CATALOG_TTL_SECONDS));
  }
  const earned = new Map(mine.items.map((badge) => [badge.code, badge.earnedAt]));
  return {
    items: catalog.map((badge) => ({
      ...badge,
      earned: earned.has(badge.code),
      earnedAt: earned.get(badge.code) ?? null,
    })),
  };
}
