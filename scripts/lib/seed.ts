import pg from "pg";
import { uuidv7 } from "../../src/lib/ids.ts";
import { hashPassword, randomSalt } from "../../src/lib/password.ts";

export const DEMO_ACCOUNT = { email: "demo@sikdan.dev", password: "sikdan-demo-password" } as const;

const DEMO_MEALS = [
  {
    daysAgo: 2,
    hour: 8,
    mealType: "breakfast",
    title: "Rice porridge with kimchi",
    calories: 380,
    tags: ["homemade"],
  },
  { daysAgo: 2, hour: 12, mealType: "lunch", title: "Bibimbap", calories: 620, tags: ["vegetable"] },
  {
    daysAgo: 1,
    hour: 19,
    mealType: "dinner",
    title: "Doenjang jjigae",
    calories: 540,
    tags: ["homemade", "vegetable"],
  },
  { daysAgo: 0, hour: 8, mealType: "breakfast", title: "Gimbap", calories: 450, tags: [] },
];

/**
 * Development seed data, applied after migrations on every `npm run dev`: a demo account with a few
 * meals and one joined official challenge, created once (idempotent: an existing demo account is
 * left as it is). Built-in badges and official challenges are not here: migrations seed those, in
 * every environment.
 */
export async function seed(databaseUrl: string): Promise<{ created: boolean }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("begin");
    const userId = uuidv7();
    const inserted = await client.query(
      `insert into users (id, email, display_name, timezone, password_hash, goal_calories)
       values ($1, $2, 'Demo 식단', 'Asia/Seoul', $3, 2000)
       on conflict do nothing returning id`,
      // A random salt: the seed does not hold the Worker's salt key; the first sign-in re-salts it.
      [userId, DEMO_ACCOUNT.email, await hashPassword(DEMO_ACCOUNT.password, randomSalt())],
    );
    if (inserted.rowCount === 0) {
      await client.query("rollback");
      return { created: false };
    }
    for (const meal of DEMO_MEALS) {
      const eatenAt = new Date(Date.now() - meal.daysAgo * 86_400_000);
      eatenAt.setUTCHours(meal.hour - 9, 0, 0, 0); // the hour in Seoul (UTC+9)
      await client.query(
        `insert into meal_logs (id, user_id, meal_type, eaten_at, local_date, title, calories, tags)
         select $1, u.id, $2, $3, local_day($3, u.timezone, u.day_start_hour), $4, $5, $6 from users u where u.id = $7`,
        [uuidv7(), meal.mealType, eatenAt, meal.title, meal.calories, meal.tags, userId],
      );
    }
    await client.query(
      `insert into challenge_participants (challenge_id, user_id, window_start, window_end)
       select '01936f00-0000-7000-8000-000000000001', $1, local_day(now(), 'Asia/Seoul', 0) - 2,
              local_day(now(), 'Asia/Seoul', 0) + 11`,
      [userId],
    );
    await client.query("select count(*) from apply_log_write($1, $2)", [userId, uuidv7()]);
    await client.query("commit");
    return { created: true };
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}
