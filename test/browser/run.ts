// `npm run test:browser`: a real browser (Debian's Chromium through playwright-core) uses the API
// from another origin with cookies, as the Next.js frontend does, and opens the API reference.
// Starts its own local edge stack and `wrangler dev`; prints "N passed, N failed" and exits non-zero
// on any failure.
import "../../scripts/require-node.mjs";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Page } from "playwright-core";
import { startLocalWorker } from "../../scripts/lib/local-worker.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Same site as the API (localhost), other origin (port): SameSite=Lax cookies travel, CORS applies.
const FRONTEND_HOST = "localhost";
const results: { name: string; ok: boolean; error?: string }[] = [];

async function check(name: string, run: () => Promise<void>) {
  try {
    await run();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name}`);
  } catch (err) {
    results.push({ name, ok: false, error: String(err) });
    console.log(`  ✗ ${name}\n    ${String(err)}`);
  }
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function serveFrontend(): Promise<{ origin: string; close: () => void }> {
  const html = readFileSync(new URL("./frontend.html", import.meta.url));
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(html));
  return new Promise((resolve) =>
    server.listen(0, FRONTEND_HOST, () => {
      const { port } = server.address() as AddressInfo;
      resolve({ origin: `http://${FRONTEND_HOST}:${port}`, close: () => server.close() });
    }),
  );
}

type Call = { status: number; body: any };
const call = (page: Page, path: string, init: Record<string, unknown> = {}) =>
  page.evaluate(([p, i]) => (window as any).api(p, i) as Promise<Call>, [path, init] as const);

const frontend = await serveFrontend();
const port = Number(process.env.BROWSER_API_PORT ?? 8790 + Math.floor(Math.random() * 100));
const worker = await startLocalWorker({
  port,
  output: "ignore",
  stack: {
    pgliteDataDir: "memory://",
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
  },
  vars: { CORS_ORIGINS: frontend.origin, LOG_LEVEL: "warn" },
});
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

try {
  const page = await browser.newPage();
  await page.goto(`${frontend.origin}/?api=${encodeURIComponent(worker.url)}`);
  let accessToken = "";
  let timeZone = "";
  let loggedDay = "";
  const todayIn = (zone: string) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());

  await check("signs up with cookies from another origin", async () => {
    const signup = await call(page, "/v1/auth/signup", {
      method: "POST",
      body: JSON.stringify({
        email: `browser-${Date.now()}@example.com`,
        password: "a browser password",
        displayName: "Browser",
      }),
    });
    expect(signup.status === 201, `signup answered ${signup.status}: ${JSON.stringify(signup.body)}`);
    accessToken = signup.body.accessToken;
    timeZone = signup.body.user.timezone;
    // No zone sent, and wrangler dev's request.cf is a placeholder (Austin): the default applies.
    expect(timeZone === "Asia/Seoul", `a signup without a zone got ${timeZone}, not Asia/Seoul`);
    const cookies = await page.context().cookies([worker.url, `${worker.url}/v1/auth/refresh`]);
    const names = cookies.map((cookie) => cookie.name).sort();
    expect(names.includes("access_token") && names.includes("refresh_token"), `cookies: ${names}`);
    expect(
      cookies.every((cookie) => cookie.httpOnly && cookie.sameSite === "Lax"),
      "cookies must be HttpOnly, SameSite=Lax",
    );
    const me = await call(page, "/v1/users/me");
    expect(me.status === 200, `GET /v1/users/me with cookies answered ${me.status}`);
  });

  await check("logs a meal and sees the events it caused", async () => {
    const before = todayIn(timeZone);
    const created = await call(page, "/v1/logs", {
      method: "POST",
      body: JSON.stringify({
        mealType: "lunch",
        eatenAt: new Date().toISOString(),
        title: "Bibimbap",
        calories: 620,
        tags: ["vegetable"],
      }),
    });
    expect(
      created.status === 201,
      `POST /v1/logs answered ${created.status}: ${JSON.stringify(created.body)}`,
    );
    // The meal counts for the user's own day (in their zone), whatever the machine's zone or the hour.
    loggedDay = created.body.log.localDate;
    const after = todayIn(timeZone);
    expect(
      loggedDay === before || loggedDay === after,
      `the log counted for ${loggedDay}, not today in ${timeZone} (${before}..${after})`,
    );
    const codes = created.body.events
      .filter((e: any) => e.type === "badge_awarded")
      .map((e: any) => e.badge.code);
    expect(codes.includes("first_log"), `events: ${JSON.stringify(created.body.events)}`);
  });

  await check("reads the summary of the day the meal counted for (today, in the user's zone)", async () => {
    const summary = await call(page, `/v1/logs/summary?from=${loggedDay}&to=${loggedDay}`);
    expect(summary.status === 200, `summary answered ${summary.status}`);
    expect(summary.body.totals.calories === 620, `totals: ${JSON.stringify(summary.body.totals)}`);
  });

  await check("logs out, and the API refuses the session at once", async () => {
    const out = await call(page, "/v1/auth/logout", { method: "POST" });
    expect(out.status === 204, `logout answered ${out.status}`);
    const me = await call(page, "/v1/users/me");
    expect(me.status === 401, `GET /v1/users/me after logout answered ${me.status}`);
    const bearer = await call(page, "/v1/users/me", { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(bearer.status === 401, `the old access token still answered ${bearer.status}`);
  });

  await check("opens /docs and the reference renders", async () => {
    const docs = await browser.newPage();
    const failed: string[] = [];
    docs.on("requestfailed", (request) => failed.push(request.url()));
    await docs.goto(`${worker.url}/docs`);
    await docs.getByText("Sikdan API", { exact: false }).first().waitFor({ timeout: 20_000 });
    await docs.getByText("Meal logs", { exact: false }).first().waitFor({ timeout: 20_000 });
    if (process.env.BROWSER_SCREENSHOT)
      await docs.screenshot({ path: process.env.BROWSER_SCREENSHOT, fullPage: false });
    expect(failed.length === 0, `requests failed: ${failed.join(", ")}`);
  });
} finally {
  await browser.close();
  await worker.stop();
  frontend.close();
}

const failed = results.filter((result) => !result.ok).length;
console.log(`\n${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
