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
  security: authenticated,
  request: { params },
  responses: { 200: json(ChallengeSchema, "The challenge"), ...problems(400, 401, 404, 503) },
});

export const patchChallenge = createRoute({
  method: "patch",
  path: "/v1/challenges/{id}",
  operationId: "updateChallenge",
  tags,
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
  security: authenticated,
  request: { params },
  responses: { 204: noContent("Deleted"), ...problems(400, 401, 403, 404, 409, 413, 415, 429, 503) },
});

export const joinChallenge = createRoute({
  method: "post",
  path: "/v1/challenges/{id}/join",
  operationId: "joinChallenge",
  tags,
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
  security: authenticated,
  request: { params },
  responses: { 204: noContent("Left"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});

export const getProgress = createRoute({
  method: "get",
  path: "/v1/challenges/{id}/progress",
  operationId: "getChallengeProgress",
  tags,
  security: authenticated,
  request: { params },
  responses: { 200: json(ProgressSchema, "Progress"), ...problems(400, 401, 404, 503) },
});

export const getLeaderboard = createRoute({
  method: "get",
  path: "/v1/challenges/{id}/leaderboard",
  operationId: "getChallengeLeaderboard",
  tags,
  security: authenticated,
  request: { params, query: LeaderboardQuerySchema },
  responses: { 200: json(LeaderboardSchema, "The leaderboard"), ...problems(400, 401, 404, 503) },
});
