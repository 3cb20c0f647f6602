import type { RouteHandler } from "@hono/zod-openapi";
import * as challenges from "../../services/challenges";
import * as participation from "../../services/participation";
import type { AppEnv } from "../../types";
import { idempotencyKeyOf } from "../idempotency-key";
import type * as routes from "./challenges.routes";
import type { Challenge } from "./challenges.schemas";

type Handler<R extends Parameters<typeof import("@hono/zod-openapi").createRoute>[0]> = RouteHandler<
  R,
  AppEnv
>;

const instant = (value: string) => new Date(value).toISOString();

export const listChallengesHandler: Handler<typeof routes.listChallenges> = async (c) => {
  const { joined, ...query } = c.req.valid("query");
  const filters = { ...query, joined: joined === undefined ? undefined : joined === "true" };
  return c.json(await challenges.listChallenges(c.var, c.var.auth, filters), 200);
};

export const createChallengeHandler: Handler<typeof routes.createChallenge> = async (c) => {
  const input = c.req.valid("json");
  const created = await challenges.createChallenge(
    c.var,
    c.var.auth,
    {
      ...input,
      startsAt: instant(input.startsAt),
      endsAt: input.endsAt ? instant(input.endsAt) : null,
      durationDays: input.durationDays ?? null,
    },
    idempotencyKeyOf(c),
  );
  if (created.replayed) {
    c.header("Idempotent-Replayed", "true");
    return c.json(created.body as Challenge, 201);
  }
  return c.json(created, 201);
};

export const getChallengeHandler: Handler<typeof routes.getChallenge> = async (c) =>
  c.json(await challenges.getChallenge(c.var, c.var.auth, c.req.valid("param").id), 200);

export const patchChallengeHandler: Handler<typeof routes.patchChallenge> = async (c) => {
  const { startsAt, endsAt, ...rest } = c.req.valid("json");
  const patch: Partial<challenges.ChallengeInput> = { ...rest };
  if (startsAt !== undefined) patch.startsAt = instant(startsAt);
  if (endsAt !== undefined) patch.endsAt = endsAt === null ? null : instant(endsAt);
  return c.json(await challenges.updateChallenge(c.var, c.var.auth, c.req.valid("param").id, patch), 200);
};

export const deleteChallengeHandler: Handler<typeof routes.deleteChallenge> = async (c) => {
  await challenges.deleteChallenge(c.var, c.var.auth, c.req.valid("param").id);
  return c.body(null, 204);
};

export const joinChallengeHandler: Handler<typeof routes.joinChallenge> = async (c) =>
  c.json({ progress: await participation.joinChallenge(c.var, c.var.auth, c.req.valid("param").id) }, 201);

export const leaveChallengeHandler: Handler<typeof routes.leaveChallenge> = async (c) => {
  await participation.leaveChallenge(c.var, c.var.auth, c.req.valid("param").id);
  return c.body(null, 204);
};

export const getProgressHandler: Handler<typeof routes.getProgress> = async (c) =>
  c.json(await participation.getProgress(c.var, c.var.auth, c.req.valid("param").id), 200);

export const getLeaderboardHandler: Handler<typeof routes.getLeaderboard> = async (c) => {
  const { id } = c.req.valid("param");
  const { limit } = c.req.valid("query");
  return c.json(await participation.getLeaderboard(c.var, c.var.auth, id, limit), 200);
};
