import * as z from "zod";
import { authenticated, createRoute, json, jsonBody, noContent, problems } from "../../lib/openapi";
import { idempotencyKeyParameter } from "../idempotency-key";
import {
  ChallengeIdParamSchema,
  ChallengeSchema,
  CreateChallengeSchema,
  LeaderboardQuerySchema,
  LeaderboardSchema,
  ListChallengesQuerySchema,
  PatchChallengeSchema,
  ProgressSchema,
} from "./challenges.schemas";

const tags = ["Challenges"];
const params = ChallengeIdParamSchema;

export const listChallenges = createRoute({
  method: "get",
  path: "/v1/challenges",
  operationId: "listChallenges",
  tags,
  summary: "Challenges, newest start first",
  description:
    "Official and user-made challenges, filtered by `status` (by the current time) and `joined`. Pages are stable: follow `nextCursor` until it is null.",
  security: authenticated,
  request: { query: ListChallengesQuerySchema },
  responses: {
    200: json(z.object({ items: z.array(ChallengeSchema), nextCursor: z.string().nullable() }), "A page"),
    ...problems(400, 401, 503),
  },
});

export const createChallenge = createRoute({
  method: "post",
  path: "/v1/challenges",
  operationId: "createChallenge",
  tags,
  summary: "Create a challenge",
  description:
    "User-created: `official: false`, no badge. The creator may PATCH or DELETE it until it starts. With an `Idempotency-Key`, the same key and body within 24 h answer the first response again (header `Idempotent-Replayed: true`) and create nothing; the same key with another body is 409.",
  security: authenticated,
  parameters: [idempotencyKeyParameter],
  request: { body: jsonBody(CreateChallengeSchema) },
  responses: {
    201: json(ChallengeSchema, "Created", "Idempotent-Replayed"),
    ...problems(400, 401, 403, 409, 413, 415, 429, 503),
  },
});

export const getChallenge = createRoute({
  method: "get",
  path: "/v1/challenges/{id}",
  operationId: "getChallenge",
  tags,
  summary: "One challenge",
  description: "With the caller's own `joined` and `progress`.",
  security: authenticated,
  request: { params },
  responses: { 200: json(ChallengeSchema, "The challenge"), ...problems(400, 401, 404, 503) },
});

export const patchChallenge = createRoute({
  method: "patch",
  path: "/v1/challenges/{id}",
  operationId: "updateChallenge",
  tags,
  summary: "Change a challenge (its creator, before it starts)",
  description: "403 for anyone but the creator and for official challenges; 409 once it has started.",
  security: authenticated,
  request: { params, body: jsonBody(PatchChallengeSchema) },
  responses: {
    200: json(ChallengeSchema, "Changed"),
    ...problems(400, 401, 403, 404, 409, 413, 415, 429, 503),
  },
});

export const deleteChallenge = createRoute({
  method: "delete",
  path: "/v1/challenges/{id}",
  operationId: "deleteChallenge",
  tags,
  summary: "Delete a challenge (its creator, before it starts)",
  description: "403 for anyone but the creator and for official challenges; 409 once it has started.",
  security: authenticated,
  request: { params },
  responses: { 204: noContent("Deleted"), ...problems(400, 401, 403, 404, 409, 413, 415, 429, 503) },
});

export const joinChallenge = createRoute({
  method: "post",
  path: "/v1/challenges/{id}/join",
  operationId: "joinChallenge",
  tags,
  summary: "Join",
  description:
    "With `durationDays`, the caller's window is that many of their days from today; else the challenge's window (earlier logs in it count). 409 when already joined or when the challenge has ended.",
  security: authenticated,
  request: { params },
  responses: {
    201: json(z.object({ progress: ProgressSchema }), "Joined"),
    ...problems(400, 401, 403, 404, 409, 413, 415, 429, 503),
  },
});

export const leaveChallenge = createRoute({
  method: "delete",
  path: "/v1/challenges/{id}/join",
  operationId: "leaveChallenge",
  tags,
  summary: "Leave",
  description: "Badges already earned stay.",
  security: authenticated,
  request: { params },
  responses: { 204: noContent("Left"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});

export const getProgress = createRoute({
  method: "get",
  path: "/v1/challenges/{id}/progress",
  operationId: "getChallengeProgress",
  tags,
  summary: "The caller's progress",
  description: "`current` is capped at `target`. 404 when the caller has not joined.",
  security: authenticated,
  request: { params },
  responses: { 200: json(ProgressSchema, "Progress"), ...problems(400, 401, 404, 503) },
});

export const getLeaderboard = createRoute({
  method: "get",
  path: "/v1/challenges/{id}/leaderboard",
  operationId: "getChallengeLeaderboard",
  tags,
  summary: "Ranking",
  description:
    "Completed first (earlier completion first), then higher `current`, then earlier join. `me` is the caller's own rank even outside the top `limit`.",
  security: authenticated,
  request: { params, query: LeaderboardQuerySchema },
  responses: { 200: json(LeaderboardSchema, "The leaderboard"), ...problems(400, 401, 404, 503) },
});
