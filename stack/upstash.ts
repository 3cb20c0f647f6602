// The Upstash-protocol endpoint: the REST API that @upstash/redis (v1.39,
// pkg/http.ts) speaks, in front of a real Redis or ioredis-mock.
//
//   POST /            body ["SET","k","v"]       → {result} | 400 {error}
//   POST /pipeline    body [[...], [...]]        → [{result} | {error}, ...]
//   POST /multi-exec  same, atomically           → [{result} | {error}, ...]
//   POST|GET /set/k/v (path form, handy with curl)
//   Authorization: Bearer <token> (or ?_token=) → else 401 {error}
//
// With `Upstash-Encoding: base64` (the SDK's default) the SDK runs every
// result through decode(): a top-level string is base64-decoded unless it
// is exactly "OK"; inside arrays every string is decoded, "OK" included
// (only arrays nested two deep get the "OK" exemption again); numbers and
// null pass through; base64 is decoded to bytes and then as UTF-8. So we
// encode every string except a top-level "OK" — always safe, since decode
// turns base64("OK") back into "OK" too.

import http from "node:http";
import {
  BodyTooLarge,
  CORS_HEADERS,
  Control,
  type ControlConfig,
  closeServer,
  listen,
  readBody,
  sendJson,
} from "./control.ts";
import type { Outcome, RedisBackend, Reply } from "./redis.ts";
import { keySizeError, MAX_REQUEST_BYTES } from "./upstash-rules.ts";

export type UpstashStats = { requests: number; commands: number };

export interface UpstashEndpoint {
  port: number;
  control: Control<UpstashStats>;
  close(): Promise<void>;
}

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

function encodeNested(reply: Reply): Reply {
  if (typeof reply === "string") return b64(reply);
  if (Array.isArray(reply)) return reply.map(encodeNested);
  return reply;
}

function encodeOutcome(outcome: Outcome): Outcome {
  if (!("result" in outcome)) return outcome;
  const { result } = outcome;
  if (result === "OK") return outcome;
  return { result: encodeNested(result) };
}

function toArgs(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((arg) =>
    typeof arg === "string"
      ? arg
      : arg === null
        ? ""
        : typeof arg === "object"
          ? JSON.stringify(arg)
          : String(arg),
  );
}

class BadRequest extends Error {}

export async function startUpstashEndpoint(options: {
  redis: RedisBackend;
  token: string;
  host: string;
  port: number;
  config: ControlConfig;
  log: (line: string) => void;
}): Promise<UpstashEndpoint> {
  const { redis, token, log } = options;
  const control = new Control<UpstashStats>(options.config, { requests: 0, commands: 0 });

  function authorized(req: http.IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization ?? "";
    const given = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? url.searchParams.get("_token");
    return given === token;
  }

  async function serve(req: http.IncomingMessage, url: URL): Promise<[number, unknown]> {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_REQUEST_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      throw new BadRequest(`ERR max request size exceeded. Limit: ${MAX_REQUEST_BYTES} bytes`);
    }
    await control.delay(req);
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    let body: unknown;
    if (
      raw.length > 0 &&
      (segments.length === 0 || segments[0] === "pipeline" || segments[0] === "multi-exec")
    ) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw new BadRequest("ERR failed to parse request body as JSON");
      }
    }

    if (segments.length === 1 && (segments[0] === "pipeline" || segments[0] === "multi-exec")) {
      if (!Array.isArray(body)) throw new BadRequest("ERR pipeline body must be an array of commands");
      const commands = body.map((entry) => toArgs(entry));
      if (commands.some((command) => command === undefined))
        throw new BadRequest("ERR each command must be a non-empty array");
      control.count("commands", commands.length);
      const list = commands as string[][];
      if (segments[0] === "multi-exec") {
        const refused = list.map(keySizeError).find(Boolean);
        if (refused) return [400, { error: refused }];
        const outcomes = await redis.runAtomically(list);
        // A discarded transaction is one {error}, not one per command.
        return Array.isArray(outcomes) ? [200, outcomes] : [400, outcomes];
      }
      const outcomes = await Promise.all(
        list.map((command) => {
          const refused = keySizeError(command);
          return refused ? { error: refused } : redis.run(command);
        }),
      );
      return [200, outcomes];
    }

    // Single command: JSON array body on "/", or the path form /cmd/arg/...
    // where a non-empty body is the last argument (as on Upstash).
    const command =
      segments.length === 0 ? toArgs(body) : [...segments, ...(raw.length > 0 ? [raw.toString("utf8")] : [])];
    if (!command) throw new BadRequest("ERR request body must be a JSON array command");
    control.count("commands");
    const refused = keySizeError(command);
    const outcome = refused ? { error: refused } : await redis.run(command);
    return "error" in outcome ? [400, outcome] : [200, outcome];
  }

  function encode(answer: unknown, base64: boolean): unknown {
    if (!base64) return answer;
    if (Array.isArray(answer)) return (answer as Outcome[]).map(encodeOutcome);
    return encodeOutcome(answer as Outcome);
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    control.scope(req);
    if (await control.handle(req, res)) return;
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    control.roundTrip("requests", req, res);
    if (control.intercept(req, res)) return;
    const url = new URL(req.url ?? "/", "http://x");
    if (!authorized(req, url)) {
      await control.delay(req);
      await control.delay(req);
      return sendJson(res, 401, { error: "Unauthorized" });
    }
    let status: number;
    let answer: unknown;
    try {
      [status, answer] = await serve(req, url);
      answer = encode(answer, String(req.headers["upstash-encoding"]).toLowerCase() === "base64");
    } catch (error) {
      if (!(error instanceof BadRequest)) log(`upstash endpoint: ${(error as Error).stack ?? error}`);
      [status, answer] = [error instanceof BadRequest ? 400 : 500, { error: (error as Error).message }];
    }
    await control.delay(req);
    sendJson(res, status, answer);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      log(`upstash endpoint: ${error.stack ?? error.message}`);
      sendJson(res, 500, { error: error.message });
    });
  });
  const port = await listen(server, options.port, options.host);

  return {
    port,
    control,
    close: async () => {
      control.releaseParked();
      await closeServer(server);
    },
  };
}
