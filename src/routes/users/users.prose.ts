import type { OperationProse } from "../../lib/openapi";

/**
 * The prose of each users operation in the OpenAPI document, by operationId. Only the document
 * generator (src/routes/docs/generate.ts, in Node) reads it: the Worker's bundle carries the routes'
 * schemas, not their descriptions.
 */
export const usersProse: Record<string, OperationProse> = {
  getMe: {
    summary: "The signed-in user",
    description: "The caller's account: email, display name, time zone, day start and goals.",
  },
  updateMe: {
    summary: "Change the profile",
    description: "An unknown time zone is 400. Existing logs keep the day they were counted on.",
  },
  deleteMe: {
    summary: "Delete the account and everything it owns",
    description:
      "Needs the password (a wrong one is 403). The account is gone at once: all sessions end, the cookies are cleared, the email is free for a new account, the public profile is 404 and the account leaves every leaderboard. What it owned (logs, photos, custom foods, badges, …) is purged by the hourly job, in bounded chunks, within the hour.",
  },
  exportMe: {
    summary: "Export everything stored about the user",
    description:
      "A JSON download (`Content-Disposition: attachment`), streamed whatever its size: logs in creation order, the other lists by the time they began. The status " +
      "is sent first; if reading fails midway the body ends with a line starting with `!` (not JSON), so a " +
      "document that does not parse is incomplete: export again.",
  },
  getMyStats: {
    summary: "Streaks and totals",
    description: "Streaks count the user's local days.",
  },
  getMyBadges: {
    summary: "The badges the user has earned",
    description: "Earliest first.",
  },
  getPublicProfile: {
    summary: "A user's public profile",
    description: "Anyone may read it: display name, badges and streaks, never the email.",
  },
};
