import type { OperationProse } from "../../lib/openapi";

/**
 * The prose of each challenges operation in the OpenAPI document, by operationId. Only the document
 * generator (src/routes/docs/generate.ts, in Node) reads it: the Worker's bundle carries the routes'
 * schemas, not their descriptions.
 */
export const challengesProse: Record<string, OperationProse> = {
  listChallenges: {
    summary: "Challenges, newest start first",
    description:
      "Official and user-made challenges, filtered by `status` (by the current time) and `joined`. Pages are stable: follow `nextCursor` until it is null.",
  },
  createChallenge: {
    summary: "Create a challenge",
    description:
      "User-created: `official: false`, no badge. The creator may PATCH or DELETE it until it starts. With an `Idempotency-Key`, the same key and body within 24 h answer the first response again (header `Idempotent-Replayed: true`) and create nothing; the same key with another body is 409.",
  },
  getChallenge: {
    summary: "One challenge",
    description: "With the caller's own `joined` and `progress`.",
  },
  updateChallenge: {
    summary: "Change a challenge (its creator, before it starts)",
    description: "403 for anyone but the creator and for official challenges; 409 once it has started.",
  },
  deleteChallenge: {
    summary: "Delete a challenge (its creator, before it starts)",
    description: "403 for anyone but the creator and for official challenges; 409 once it has started.",
  },
  joinChallenge: {
    summary: "Join",
    description:
      "With `durationDays`, the caller's window is that many of their days from today; else the challenge's window (earlier logs in it count). 409 when already joined or when the challenge has ended.",
  },
  leaveChallenge: {
    summary: "Leave",
    description: "Badges already earned stay.",
  },
  getChallengeProgress: {
    summary: "The caller's progress",
    description: "`current` is capped at `target`. 404 when the caller has not joined.",
  },
  getChallengeLeaderboard: {
    summary: "Ranking",
    description:
      "Completed first (earlier completion first), then higher `current`, then earlier join. `me` is the caller's own rank even outside the top `limit`.",
  },
};
