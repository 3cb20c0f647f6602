import type { RouteHandler, z } from "@hono/zod-openapi";
import type { TypedResponse } from "hono";
import { clearAuthCookies } from "../../lib/cookies";
import * as accountExport from "../../services/export";
import * as profile from "../../services/profile";
import * as users from "../../services/users";
import type { AppEnv } from "../../types";
import type {
  deleteMe,
  exportMe,
  getMe,
  getMyBadges,
  getPublicProfile,
  getStats,
  patchMe,
} from "./users.routes";
import type { AccountExportSchema } from "./users.schemas";

export const getMeHandler: RouteHandler<typeof getMe, AppEnv> = async (c) =>
  c.json(await users.getMe(c.var, c.var.auth), 200);

export const patchMeHandler: RouteHandler<typeof patchMe, AppEnv> = async (c) =>
  c.json(await users.updateMe(c.var, c.var.auth, c.req.valid("json")), 200);

export const deleteMeHandler: RouteHandler<typeof deleteMe, AppEnv> = async (c) => {
  await users.deleteMe(c.var, c.var.auth, c.req.valid("json").password);
  clearAuthCookies(c);
  return c.body(null, 204);
};

/**
 * Streamed (services/export.ts): the bytes are one AccountExport JSON document of any size, which
 * the cast tells the typed client (`await res.json()` is typed as the schema says).
 */
export const exportMeHandler: RouteHandler<typeof exportMe, AppEnv> = async (c) =>
  c.body(await accountExport.exportMe(c.var, c.var.auth), 200, {
    "Content-Type": "application/json",
    "Content-Disposition": 'attachment; filename="sikdan-export.json"',
    "Cache-Control": "no-store",
  }) as unknown as TypedResponse<z.infer<typeof AccountExportSchema>, 200, "json">;

export const getStatsHandler: RouteHandler<typeof getStats, AppEnv> = async (c) =>
  c.json(await profile.getStats(c.var, c.var.auth), 200);

export const getMyBadgesHandler: RouteHandler<typeof getMyBadges, AppEnv> = async (c) =>
  c.json(await profile.getMyBadges(c.var, c.var.auth), 200);

export const getPublicProfileHandler: RouteHandler<typeof getPublicProfile, AppEnv> = async (c) =>
  c.json(await profile.getPublicProfile(c.var, c.req.valid("param").id), 200);
