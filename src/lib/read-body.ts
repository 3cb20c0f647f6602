import { concatBytes } from "./encoding";
import { ApiError } from "./errors";

const tooLarge = (maxBytes: number) =>
  new ApiError("PAYLOAD_TOO_LARGE", { detail: `This body is limited to ${maxBytes} bytes.` });

/**
 * The request body as bytes, refused with 413 as soon as it is known to exceed `maxBytes`: from its
 * Content-Length before reading anything, else while streaming (never more than `maxBytes` plus one
 * chunk in memory).
 *
 * @example
 * const bytes = await readBodyLimited(c.req.raw, 5 * 1024 * 1024);
 */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}
