// Embedded PostgreSQL: PGlite served over TCP by pglite-socket, behind a
// small transaction-pooling multiplexer.
//
// Why the multiplexer: PGlite is ONE backend session. pglite-socket defaults
// to maxConnections 1 and drops any second concurrent TCP connection
// ("Connection terminated unexpectedly"); raising maxConnections only
// interleaves several clients' messages into that one session (an unnamed
// statement of one client can be replaced between its Parse and Bind by
// another's). Real users of this stack hold several connections at once (the
// /sql executor's pool, WebSocket Pools inside workerd, a migration script),
// so we keep exactly one upstream connection and lend it to one client at a
// time, from its first message until PostgreSQL reports ReadyForQuery "idle"
// (outside a transaction) — the same rule as PgBouncer's transaction mode.
// Consequences: transactions are isolated by serialisation; session state
// (SET, temp tables, named prepared statements) is shared by everyone.

import { mkdir } from "node:fs/promises";
import net from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import {
  authenticationOk,
  backendKeyData,
  CANCEL_REQUEST_CODE,
  type Frame,
  FrameReader,
  GSSENC_REQUEST_CODE,
  PROTOCOL_V3,
  readyForQuery,
  readyStatus,
  SSL_REQUEST_CODE,
  simpleQuery,
  startupMessage,
  sync,
} from "./pgwire.ts";

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

type Log = (line: string) => void;

// Messages of the extended protocol that leave the backend waiting for Sync.
const EXTENDED = new Set(["P", "B", "D", "E", "C", "H", "F"]);

class Session {
  readonly queue: Buffer[] = [];
  awaitingReady = 0;
  needsSync = false;
  alive = true;
  private readonly reader = new FrameReader();
  private started = false;

  constructor(
    readonly socket: net.Socket,
    private readonly mux: Multiplexer,
    readonly id: number,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => this.close());
    socket.on("close", () => this.close());
  }

  private onData(chunk: Buffer): void {
    const frames = this.started ? this.reader.push(chunk) : this.handshake(chunk);
    for (const frame of frames) {
      if (frame.type === "X") {
        // Terminate is never forwarded: the upstream session is shared. Ending
        // the socket here is also what lets `pool.end()` finish.
        this.socket.end();
        this.close();
        return;
      }
      this.mux.submit(this, frame.bytes);
    }
  }

  private handshake(chunk: Buffer): Frame[] {
    this.reader.append(chunk); // the startup packet has no type byte
    for (;;) {
      const packet = this.reader.shiftStartup();
      if (!packet) return [];
      const code = packet.readInt32BE(4);
      if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
        this.socket.write("N");
        continue;
      }
      if (code === CANCEL_REQUEST_CODE || code !== PROTOCOL_V3) {
        this.socket.destroy();
        this.close();
        return [];
      }
      this.started = true;
      this.socket.write(
        Buffer.concat([
          authenticationOk(),
          ...this.mux.parameterStatus,
          backendKeyData(this.id, this.id * 7919),
          readyForQuery("I"),
        ]),
      );
      return this.reader.push(Buffer.alloc(0));
    }
  }

  write(bytes: Buffer): void {
    if (this.alive && this.socket.writable) this.socket.write(bytes);
  }

  close(): void {
    if (!this.alive) return;
    this.alive = false;
    this.mux.onSessionClosed(this);
  }
}

class Multiplexer {
  parameterStatus: Buffer[] = [];
  private upstream: net.Socket | undefined;
  private readonly reader = new FrameReader();
  private owner: Session | undefined;
  private readonly waiting: Session[] = [];
  private readonly sessions = new Set<Session>();
  private nextId = 1;
  private lastStatus = "I"; // transaction status of the last ReadyForQuery
  private stopping = false;
  private onStartupReady: (() => void) | undefined;

  constructor(
    private readonly upstreamPort: number,
    private readonly log: Log,
  ) {}

  async connectUpstream(): Promise<void> {
    this.parameterStatus = [];
    const socket = net.connect(this.upstreamPort, "127.0.0.1");
    socket.setNoDelay(true);
    this.upstream = socket;
    const ready = new Promise<void>((resolve, reject) => {
      this.onStartupReady = resolve;
      socket.once("error", reject);
    });
    socket.on("data", (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.onUpstreamFrame(frame);
    });
    socket.on("close", () => this.onUpstreamLost());
    socket.write(startupMessage({ user: "postgres", database: "postgres", client_encoding: "UTF8" }));
    await ready;
    socket.on("error", (error) => this.log(`pglite upstream error: ${error.message}`));
  }

  accept(socket: net.Socket): void {
    const session = new Session(socket, this, this.nextId++);
    this.sessions.add(session);
  }

  submit(session: Session, bytes: Buffer): void {
    if (this.owner === session) {
      this.forward(session, bytes);
      return;
    }
    session.queue.push(bytes);
    if (!this.waiting.includes(session)) this.waiting.push(session);
    this.grantNext();
  }

  onSessionClosed(session: Session): void {
    this.sessions.delete(session);
    const index = this.waiting.indexOf(session);
    if (index >= 0) this.waiting.splice(index, 1);
    if (this.owner === session) this.settle();
  }

  private forward(session: Session, bytes: Buffer): void {
    const type = String.fromCharCode(bytes[0] ?? 0);
    if (type === "Q" || type === "S") session.awaitingReady++;
    if (type === "S") session.needsSync = false;
    else if (EXTENDED.has(type)) session.needsSync = true;
    this.upstream?.write(bytes);
  }

  private grantNext(): void {
    if (this.owner || this.stopping || !this.upstream) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.owner = next;
    for (const bytes of next.queue.splice(0)) this.forward(next, bytes);
  }

  private onUpstreamFrame(frame: Frame): void {
    if (this.onStartupReady) {
      if (frame.type === "S") this.parameterStatus.push(Buffer.from(frame.bytes));
      if (frame.type === "E") this.log(`pglite startup error: ${frame.bytes.toString("utf8", 5)}`);
      if (frame.type === "Z") {
        const resolve = this.onStartupReady;
        this.onStartupReady = undefined;
        resolve();
      }
      return;
    }
    const owner = this.owner;
    if (!owner) return; // stray notices while nobody holds the session
    owner.write(frame.bytes);
    if (frame.type === "Z") {
      owner.awaitingReady--;
      this.lastStatus = readyStatus(frame);
      this.settle();
    }
  }

  /** Decides whether the current owner is done with the session. */
  private settle(): void {
    const owner = this.owner;
    if (!owner || owner.awaitingReady > 0) return;
    if (owner.alive) {
      if (this.lastStatus !== "I" || owner.needsSync) return; // mid-transaction or mid-extended-query
    } else if (owner.needsSync) {
      // A client vanished mid-conversation: finish its protocol state and
      // roll back whatever it left open before anybody else gets the session.
      this.forward(owner, sync());
      return;
    } else if (this.lastStatus !== "I") {
      this.forward(owner, simpleQuery("ROLLBACK"));
      return;
    }
    this.owner = undefined;
    this.grantNext();
  }

  private onUpstreamLost(): void {
    this.upstream = undefined;
    if (this.stopping) return;
    this.log("pglite upstream connection lost; dropping clients and reconnecting");
    this.dropAll();
    this.connectUpstream().then(
      () => this.grantNext(),
      (error: Error) => this.log(`pglite reconnect failed: ${error.message}`),
    );
  }

  private dropAll(): void {
    this.owner = undefined;
    this.waiting.length = 0;
    this.lastStatus = "I";
    for (const session of this.sessions) session.socket.destroy();
    this.sessions.clear();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.dropAll();
    const upstream = this.upstream;
    if (upstream && !upstream.destroyed) {
      await new Promise<void>((resolve) => {
        upstream.once("close", () => resolve());
        upstream.destroy();
      });
    }
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  host: string;
  log: Log;
}): Promise<EmbeddedPostgres> {
  const { dataDir, host, log } = options;
  if (!dataDir.includes("://")) await mkdir(dataDir, { recursive: true });
  // pg_trgm (food search, drizzle/0013_foods.sql) ships with PGlite as a loadable extension; Neon and
  // PostgreSQL have it built in. The migration's CREATE EXTENSION then works the same everywhere.
  const db = await PGlite.create(dataDir, { extensions: { pg_trgm } });
  const socketServer = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await socketServer.start();
  const upstreamPort = Number(socketServer.getServerConn().split(":").pop());

  const mux = new Multiplexer(upstreamPort, log);
  await mux.connectUpstream();
  const server = net.createServer((socket) => mux.accept(socket));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  log(`pglite (${dataDir}) on ${host}:${address.port} via pglite-socket :${upstreamPort}`);

  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres@${host}:${address.port}/postgres`,
    stop: () => {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await mux.stop();
        await closed;
        await socketServer.stop();
        await db.close();
      })();
      return stopped;
    },
  };
}
