// WebSocket /v1 — what @neondatabase/serverless's Pool/Client open when
// `neonConfig.wsProxy` is set: ws://<wsProxy>?address=<host>:<port>, binary
// frames carrying raw PostgreSQL wire bytes (no TLS inside when
// useSecureWebSocket=false and the connection string has no sslmode). We
// ignore `address` and pipe to our one upstream.

import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { Control } from "./control.ts";
import type { NeonStats } from "./neon-http.ts";
import { FrameReader, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE } from "./pgwire.ts";

interface Pipe {
  ws: WebSocket;
  tcp: net.Socket;
}

/** Watches the client's byte stream for Terminate ('X') without altering it. */
class TerminateWatcher {
  private readonly reader = new FrameReader();
  private started = false;

  sawTerminate(chunk: Buffer): boolean {
    if (this.started) return this.reader.push(chunk).some((frame) => frame.type === "X");
    this.reader.append(chunk);
    for (let packet = this.reader.shiftStartup(); packet; packet = this.reader.shiftStartup()) {
      const code = packet.readInt32BE(4);
      if (code !== SSL_REQUEST_CODE && code !== GSSENC_REQUEST_CODE) {
        this.started = true;
        return this.reader.push(Buffer.alloc(0)).some((frame) => frame.type === "X");
      }
    }
    return false;
  }
}

const toBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/**
 * Delays each chunk by the configured latency while keeping order: every
 * chunk is due `delayMs` after it arrived, and waits for its predecessors.
 */
function delayedLane(control: Control<NeonStats>) {
  let lane: Promise<void> = Promise.resolve();
  return (work: () => void): void => {
    const due = Date.now() + control.config.delayMs;
    lane = lane.then(async () => {
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      work();
    });
  };
}

export function createWsProxy(options: {
  upstreamHost: string;
  upstreamPort: number;
  control: Control<NeonStats>;
  log: (line: string) => void;
}) {
  const { control, log } = options;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const pipes = new Set<Pipe>();

  control.onConfig((config) => {
    if (config.fault === "down") for (const pipe of pipes) kill(pipe);
  });

  function kill(pipe: Pipe): void {
    pipe.ws.terminate();
    pipe.tcp.destroy();
    pipes.delete(pipe);
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (!/^\/v1\/?$/.test(path)) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    switch (control.config.fault) {
      case "down":
        socket.destroy();
        return;
      case "refuse":
      case "error":
        socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      case "hang":
        control.park(socket as net.Socket);
        return;
      case "none":
        wss.handleUpgrade(req, socket, head, (ws) => connect(ws));
    }
  }

  function connect(ws: WebSocket): void {
    control.count("wsConnections");
    const tcp = net.connect(options.upstreamPort, options.upstreamHost);
    tcp.setNoDelay(true);
    const pipe: Pipe = { ws, tcp };
    pipes.add(pipe);
    const inbound = delayedLane(control);
    const outbound = delayedLane(control);
    const watcher = new TerminateWatcher();

    ws.on("message", (data) => {
      control.count("wsMessagesIn");
      const chunk = toBuffer(data);
      const terminate = watcher.sawTerminate(chunk);
      inbound(() => {
        if (tcp.destroyed) return;
        // Net sockets queue writes issued before "connect", so no buffering here.
        tcp.write(chunk);
        // PostgreSQL closes after Terminate, pglite-socket does not; ending
        // our side is what lets the driver's `pool.end()` resolve.
        if (terminate) tcp.end();
      });
    });
    ws.on("close", () => inbound(() => tcp.end()));
    ws.on("error", (error) => {
      log(`neon ws client: ${error.message}`);
      kill(pipe);
    });

    tcp.on("data", (chunk: Buffer) => {
      outbound(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send(chunk, { binary: true });
      });
    });
    tcp.on("error", (error) => log(`neon ws upstream: ${error.message}`));
    tcp.on("close", () => {
      outbound(() => {
        pipes.delete(pipe);
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      });
    });
  }

  async function close(): Promise<void> {
    for (const pipe of pipes) kill(pipe);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  return { upgrade, close };
}
