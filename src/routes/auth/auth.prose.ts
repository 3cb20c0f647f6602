import type { OperationProse } from "../../lib/openapi";

/**
 * The prose of each auth operation in the OpenAPI document, by operationId. Only the document
 * generator (src/routes/docs/generate.ts, in Node) reads it: the Worker's bundle carries the routes'
 * schemas, not their descriptions.
 */
const cookieNote = "Sets the HttpOnly `access_token` and `refresh_token` cookies.";

export const authProse: Record<string, OperationProse> = {
  signup: {
    summary: "Create an account and sign in",
    description: `${cookieNote} Time zone: the given one, else the edge's guess, else Asia/Seoul.`,
  },
  login: {
    summary: "Sign in",
    description: `${cookieNote} An unknown email and a wrong password get the same 401.`,
  },
  refresh: {
    summary: "Exchange a refresh token for a new pair",
    description:
      "The refresh token comes from the body, else the `refresh_token` cookie. Each one works once: presenting a rotated token again more than 10 s after its rotation, or after its successor was used, ends the whole session (a stolen copy). Within those 10 s, while the successor is unused, it is a client racing itself (two tabs): 401, and the session is kept. A refused token clears the cookies. At most 10 refreshes per session per minute.",
  },
  logout: {
    summary: "End this session",
    description:
      "The session's refresh token and its access token stop working at once. Identified by the access token, else by the refresh token (body or cookie). Clears the cookies.",
  },
  changePassword: {
    summary: "Change the password",
    description: "Every other session of the user ends; this one stays signed in.",
  },
};
