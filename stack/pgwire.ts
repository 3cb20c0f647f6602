// Just enough of the PostgreSQL v3 wire protocol to frame messages and to
// forge the few a proxy has to answer itself. Reference:
// https://www.postgresql.org/docs/current/protocol-message-formats.html

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
export const PROTOCOL_V3 = 196608;

/** Terminate ('X'), as sent by `client.end()`. */
export const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

export interface Frame {
  type: string; // one ASCII letter
  bytes: Buffer; // the whole message, type byte included
}

/**
 * Splits a byte stream into typed messages. Chunks from TCP or WebSocket can
 * cut messages anywhere, so everything incomplete stays buffered.
 */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  append(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
  }

  push(chunk: Buffer): Frame[] {
    this.append(chunk);
    const frames: Frame[] = [];
    while (this.buffered.length >= 5) {
      const length = this.buffered.readInt32BE(1);
      if (this.buffered.length < 1 + length) break;
      const bytes = this.buffered.subarray(0, 1 + length);
      frames.push({ type: String.fromCharCode(bytes[0] ?? 0), bytes });
      this.buffered = this.buffered.subarray(1 + length);
    }
    return frames;
  }

  /** The untyped first packet (startup, SSL or cancel request), if complete. */
  shiftStartup(): Buffer | undefined {
    if (this.buffered.length < 8) return undefined;
    const length = this.buffered.readInt32BE(0);
    if (this.buffered.length < length) return undefined;
    const packet = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return packet;
  }
}

export function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "ascii");
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

function cstrings(...parts: string[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(`${p}\0`, "utf8")));
}

export function startupMessage(params: Record<string, string>): Buffer {
  const pairs = Object.entries(params).flat();
  const body = Buffer.concat([cstrings(...pairs), Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(PROTOCOL_V3, 4);
  return Buffer.concat([head, body]);
}

export const authenticationOk = (): Buffer => message("R", Buffer.from([0, 0, 0, 0]));

export function backendKeyData(pid: number, secret: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeInt32BE(pid, 0);
  body.writeInt32BE(secret, 4);
  return message("K", body);
}

export const readyForQuery = (status: "I" | "T" | "E"): Buffer => message("Z", Buffer.from(status, "ascii"));

export const simpleQuery = (sql: string): Buffer => message("Q", cstrings(sql));

export const sync = (): Buffer => message("S");

export function errorResponse(code: string, text: string): Buffer {
  const fields = Buffer.concat([
    Buffer.from("S"),
    cstrings("FATAL"),
    Buffer.from("V"),
    cstrings("FATAL"),
    Buffer.from("C"),
    cstrings(code),
    Buffer.from("M"),
    cstrings(text),
    Buffer.from([0]),
  ]);
  return message("E", fields);
}

/** Transaction status carried by a ReadyForQuery frame. */
export const readyStatus = (frame: Frame): string => String.fromCharCode(frame.bytes[5] ?? 0x49);
