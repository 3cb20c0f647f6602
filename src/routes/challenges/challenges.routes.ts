import * as z from "zod";
import { authenticated, createRoute, json, jsonBody, problems } from "../../lib/openapi";
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
  tags,
  summary: "Challenges, newest start first",
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
  tags,
  summary: "Create a challenge",
  description:
    "User-created: `official: false`, no badge. The creator may PATCH or DELETE it until it starts.",
  security: authenticated,
  request: { body: jsonBody(CreateChallengeSchema) },
  responses: { 201: json(ChallengeSchema, "Created"), ...problems(400, 401, 403, 413, 415, 429, 503) },
});

export const getChallenge = createRoute({
  method: "get",
  path: "/v1/challenges/{id}",
  tags,
  summary: "One challenge",
  security: authenticated,
  request: { params },
  responses: { 200: json(ChallengeSchema, "The challenge"), ...problems(401, 404, 503) },
});

export const patchChallenge = createRoute({
  method: "patch",
  path: "/v1/challenges/{id}",
  tags,
  summary: "Change a challenge (its creator, before it starts)",
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
  tags,
  summary: "Delete a challenge (its creator, before it starts)",
  security: authenticated,
  request: { params },
  responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404, 409, 429, 503) },
});

export const joinChallenge = createRoute({
  method: "post",
  path: "/v1/challenges/{id}/join",
  tags,
  summary: "Join",
  description:
    "With `durationDays`, the caller's window is that many of their days from today; else the challenge's window (earlier logs in it count).",
  security: authenticated,
  request: { params },
  responses: {
    201: json(z.object({ progress: ProgressSchema }), "Joined"),
    ...problems(401, 403, 404, 409, 429, 503),
  },
});

export const leaveChallenge = createRoute({
  method: "delete",
  path: "/v1/challenges/{id}/join",
  tags,
  summary: "Leave",
  description: "Badges already earned stay.",
  security: authenticated,
  request: { params },
  responses: { 204: { description: "Left" }, ...problems(401, 403, 404, 429, 503) },
});

export const getProgress = createRoute({
  method: "get",
  path: "/v1/challenges/{id}/progress",
  tags,
  summary: "The caller's progress",
  security: authenticated,
  request: { params },
  responses: { 200: json(ProgressSchema, "Progress"), ...problems(401, 404, 503) },
});

export const getLeaderboard = createRoute({
  method: "get",
  path: "/v1/challenges/{id}/leaderboard",
  tags,
  summary: "Ranking",
  description:
    "Completed first (earlier completion first), then higher `current`, then earlier join. `me` is the caller's own rank even outside the top `limit`.",
  security: authenticated,
  request: { params, query: LeaderboardQuerySchema },
  responses: { 200: json(LeaderboardSchema, "The leaderboard"), ...problems(400, 401, 404, 503) },
});
