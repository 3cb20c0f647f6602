// Run-time knobs shared by both protocol servers: latency, injected faults and
// round-trip counters, plus the tiny /__stack control API that exposes them.
// Tests flip these between requests, so every protocol route reads the
// current config at the moment it needs it rather than caching it.

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export const FAULTS = ["none", "down", "error", "hang", "refuse"] as const;
export type Fault = (typeof FAULTS)[number];

export interface ControlConfig {
  delayMs: number;
  fault: Fault;
}

/** Per-request fault from a `/__fault/<mode>/…` path prefix, so one test can break its own calls only. */
const scopedFaults = new WeakMap<IncomingMessage, Fault | "slow">();
const SCOPED_PREFIX = /^\/__fault\/(none|down|error|hang|refuse|slow)(?=\/|$)/;
/** Per-request counting bucket from a `/__tag/<tag>/…` prefix, so one test can count its own round trips. */
const requestTags = new WeakMap<IncomingMessage, string>();
const TAG_PREFIX = /^\/__tag\/([\w-]{1,64})(?=\/|$)/;
/** How long a `slow` scoped fault holds each leg of a round trip: longer than any client timeout. */
export const SLOW_FAULT_MS = 5000;

export class Control<Stats extends Record<string, number>> {
  readonly config: ControlConfig;
  stats: Stats;
  private readonly hung = new Set<Socket>();
  private readonly listeners: Array<(config: ControlConfig) => void> = [];

  constructor(
    initial: ControlConfig,
    private readonly zero: Stats,
    /** How this service refuses a caller it will not serve (bad credentials, disabled endpoint). */
    private readonly refusal: [status: number, body: unknown] = [401, { error: "Unauthorized" }],
  ) {
    this.config = { ...initial };
    this.stats = { ...zero };
  }

  private readonly tagged = new Map<string, Stats>();
  private readonly watchers: Array<(res: ServerResponse) => void> = [];

  /**
   * Calls `watcher` with the response of every protocol request as it arrives, before any fault or
   * delay applies to it: what an in-process observer (the benchmark's meter) hooks into to learn when
   * each answer leaves, without a proxy of its own in front of the stack.
   */
  watchRoundTrips(watcher: (res: ServerResponse) => void): void {
    this.watchers.push(watcher);
  }

  /** A protocol request arrived: counted under `key` and shown to the watchers. */
  roundTrip(key: keyof Stats, req: IncomingMessage, res: ServerResponse): void {
    this.count(key, 1, req);
    for (const watcher of this.watchers) watcher(res);
  }

  count(key: keyof Stats, by = 1, req?: IncomingMessage): void {
    (this.stats as Record<keyof Stats, number>)[key] += by;
    const tag = req && requestTags.get(req);
    if (!tag) return;
    let bucket = this.tagged.get(tag);
    if (!bucket) {
      bucket = { ...this.zero };
      this.tagged.set(tag, bucket);
    }
    (bucket as Record<keyof Stats, number>)[key] += by;
  }

  /**
   * Strips a `/__fault/<mode>` prefix from the request's path and remembers the fault for that
   * request alone: the endpoint URL given to one client (e.g. http://…/__fault/hang/sql) breaks
   * that client's calls without touching anyone else's. `slow` answers after SLOW_FAULT_MS per leg.
   */
  scope(req: IncomingMessage): void {
    for (;;) {
      const url = req.url ?? "/";
      const fault = SCOPED_PREFIX.exec(url);
      const tag = TAG_PREFIX.exec(url);
      const match = fault ?? tag;
      if (!match) return;
      if (fault) scopedFaults.set(req, fault[1] as Fault | "slow");
      if (tag) requestTags.set(req, tag[1]!);
      req.url = url.slice(match[0].length) || "/";
    }
  }

  /** One leg of the injected latency; a round trip pays it twice. */
  async delay(req?: IncomingMessage): Promise<void> {
    if (req && scopedFaults.get(req) === "slow") await sleep(SLOW_FAULT_MS);
    if (this.config.delayMs > 0) await sleep(this.config.delayMs);
  }

  onConfig(listener: (config: ControlConfig) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Applies the current fault to a protocol request. Returns true when the
   * request has been dealt with (dropped, failed or parked) and must not be
   * served.
   */
  intercept(req: IncomingMessage, res: ServerResponse): boolean {
    const scoped = scopedFaults.get(req);
    const fault = scoped === undefined || scoped === "slow" ? this.config.fault : scoped;
    switch (fault) {
      case "none":
        return false;
      case "down":
        // Destroying without a response looks like a dead host to fetch().
        req.socket.destroy();
        return true;
      case "error":
        res.writeHead(503, { "content-type": "text/html" });
        res.end("<html><body><h1>503 Service Unavailable</h1>injected fault</body></html>");
        return true;
      case "hang":
        this.park(req.socket);
        return true;
      case "refuse":
        void this.delay(req)
          .then(() => this.delay(req))
          .then(() => sendJson(res, ...this.refusal));
        return true;
    }
  }

  /** Keeps a socket open without ever answering, until stop() or its client gives up. */
  park(socket: Socket): void {
    this.hung.add(socket);
    socket.once("close", () => this.hung.delete(socket));
  }

  releaseParked(): void {
    for (const socket of this.hung) socket.destroy();
    this.hung.clear();
  }

  /** Serves /__stack/* routes; returns false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    if (!path.startsWith("/__stack")) return false;
    if (!isLoopback(req.socket.remoteAddress)) {
      sendJson(res, 403, { error: "control API is loopback only" });
      return true;
    }
    const route = `${req.method} ${path.replace(/\/+$/, "")}`;
    if (route === "GET /__stack/stats") {
      const tag = url.searchParams.get("tag");
      sendJson(res, 200, tag ? (this.tagged.get(tag) ?? this.zero) : this.stats);
    } else if (route === "POST /__stack/reset") {
      this.stats = { ...this.zero };
      this.tagged.clear();
      sendJson(res, 200, this.stats);
    } else if (route === "GET /__stack/config") {
      sendJson(res, 200, this.config);
    } else if (route === "POST /__stack/config") {
      const problem = this.applyConfig(await readBody(req));
      if (problem) sendJson(res, 400, { error: problem });
      else sendJson(res, 200, this.config);
    } else {
      sendJson(res, 404, { error: `no control route ${route}` });
    }
    return true;
  }

  private applyConfig(body: Buffer): string | undefined {
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
    } catch {
      return "body must be JSON";
    }
    if (typeof input !== "object" || input === null) return "body must be a JSON object";
    const { delayMs, fault } = input as { delayMs?: unknown; fault?: unknown };
    if (delayMs !== undefined && (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0)) {
      return "delayMs must be a non-negative number";
    }
    if (fault !== undefined && !FAULTS.includes(fault as Fault))
      return `fault must be one of ${FAULTS.join(", ")}`;
    if (delayMs !== undefined) this.config.delayMs = delayMs;
    if (fault !== undefined) this.config.fault = fault as Fault;
    if (this.config.fault !== "hang") this.releaseParked();
    for (const listener of this.listeners) listener(this.config);
    return undefined;
  }
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

/** A request body over the endpoint's limit; thrown as soon as the limit is passed. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/**
 * The request body, or BodyTooLarge once it passes `limit`. The rest is still read (and dropped)
 * before the caller answers: a client still sending when its connection is cut would see a
 * network error instead of the answer.
 */
export async function readBody(req: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new BodyTooLarge(limit);
  return Buffer.concat(chunks);
}

// workerd's fetch() does not enforce CORS, but browsers pointed at the stack
// (or a dev tool) would; being permissive costs nothing on loopback.
export const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "*",
  "access-control-expose-headers": "*",
  "access-control-max-age": "86400",
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...CORS_HEADERS,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** URL host form, bracketing IPv6 literals. */
export const hostForUrl = (host: string): string => (host.includes(":") ? `[${host}]` : host);
