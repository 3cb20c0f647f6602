/**
 * The typed client for frontends: end-to-end types from the API's own route definitions, through
 * Hono's `hc`. Import it from a Next.js app (see README, "Typed client").
 *
 * @example
 * const api = createClient("https://api.sikdan.app", { init: { credentials: "include" } });
 * const res = await api.v1.logs.$post({ json: { mealType: "lunch", eatenAt: new Date().toISOString(), title: "Bibimbap" } });
 * if (res.ok) { const { log, events } = await res.json(); }
 */
import { hc } from "hono/client";
import type { AppType } from "./app";

export type { AppType };

export const createClient = (baseUrl: string, options?: Parameters<typeof hc>[1]) =>
  hc<AppType>(baseUrl, options);

export type SikdanClient = ReturnType<typeof createClient>;
