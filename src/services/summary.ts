import { sql } from "drizzle-orm";
import { ApiError } from "../lib/errors";
import type { DaySummary, Summary } from "../routes/logs/logs.schemas";
import type { AuthContext, Services } from "../types";
import { readThrough } from "./user-cache";

const MAX_SUMMARY_DAYS = 93;

type DayRow = {
  version: string;
  timezone: string;
  goal_calories: number | null;
  day: string;
  meals: number;
  calories: number;
  protein_g: number;
  carbs_g: number;
  fat_g: number;
};

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;

/** Checks a from/to range of calendar days: ordered, at most MAX_SUMMARY_DAYS long. */
function assertDayRange(from: string, to: string) {
  const length = dayNumber(to) - dayNumber(from) + 1;
  if (length < 1 || length > MAX_SUMMARY_DAYS) {
    throw new ApiError("INVALID_INPUT", {
      detail: `The range must run forward and span at most ${MAX_SUMMARY_DAYS} days.`,
      errors: [{ path: "to", message: `must be on or after from, at most ${MAX_SUMMARY_DAYS} days later` }],
    });
  }
}

const round = (grams: number) => Math.round(grams * 100) / 100;

function toSummary(rows: DayRow[]): Summary {
  const days = rows.map((row) => ({
    date: row.day,
    meals: row.meals,
    calories: row.calories,
    proteinG: round(row.protein_g),
    carbsG: round(row.carbs_g),
    fatG: round(row.fat_g),
    goalCalories: row.goal_calories,
    // Met: something was logged and the day stayed within the calorie goal; null without a goal.
    metGoal: row.goal_calories === null ? null : row.meals > 0 && row.calories <= row.goal_calories,
  }));
  const sum = (pick: (day: DaySummary) => number) => round(days.reduce((total, day) => total + pick(day), 0));
  return {
    timezone: rows[0]?.timezone ?? "",
    days,
    totals: {
      meals: sum((day) => day.meals),
      calories: sum((day) => day.calories),
      proteinG: sum((day) => day.proteinG),
      carbsG: sum((day) => day.carbsG),
      fatG: sum((day) => day.fatG),
    },
  };
}

/**
 * One entry per day of the range, empty days included. Warm: one Redis round trip and no database;
 * cold: one database round trip, then the cache is filled after the response.
 */
export async function getSummary(
  services: Services,
  auth: AuthContext,
  from: string,
  to: string,
): Promise<Summary> {
  assertDayRange(from, to);
  const { db } = services;
  return readThrough(services, auth, `summary:${from}:${to}`, async (batch) => {
    const [result] = await batch([
      db.execute<DayRow>(sql`
      with totals as (
        select local_date, count(*)::int as meals, coalesce(sum(calories), 0)::int as calories,
               coalesce(sum(protein_g), 0)::float8 as protein_g, coalesce(sum(carbs_g), 0)::float8 as carbs_g,
               coalesce(sum(fat_g), 0)::float8 as fat_g
        from meal_logs
        where user_id = ${auth.userId} and local_date between ${from}::date and ${to}::date
        group by local_date
      )
      select u.cache_version::text as version, u.timezone, u.goal_calories, to_char(d.day, 'YYYY-MM-DD') as day,
             coalesce(t.meals, 0) as meals, coalesce(t.calories, 0) as calories,
             coalesce(t.protein_g, 0) as protein_g, coalesce(t.carbs_g, 0) as carbs_g, coalesce(t.fat_g, 0) as fat_g
      from users u
      cross join generate_series(${from}::date, ${to}::date, interval '1 day') as d(day)
      left join totals t on t.local_date = d.day::date
      where u.id = ${auth.userId}
      order by d.day`),
    ]);
    return { version: Number(result.rows[0]?.version ?? 0), value: toSummary(result.rows) };
  });
}
