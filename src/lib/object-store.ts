/**
 * The part of R2's bucket API that meal photos use. Cloudflare's `R2Bucket` (the PHOTOS binding)
 * satisfies it; naming only what is used keeps the Worker's code type-checkable from Node too
 * (scripts/openapi-snapshot.ts loads the app there, without the Workers runtime types).
 */
export interface ObjectStore {
  put(
    key: string,
    value: Uint8Array | string,
    options?: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string> },
  ): Promise<unknown>;
  get(key: string): Promise<StoredObject | null>;
  delete(keys: string | string[]): Promise<void>;
  list(options: { prefix?: string; limit?: number; cursor?: string }): Promise<{
    objects: { key: string; uploaded: Date }[];
    truncated: boolean;
    cursor?: string;
  }>;
}

export interface StoredObject {
  body: ReadableStream;
  size: number;
  httpEtag: string;
  httpMetadata?: { contentType?: string };
  text(): Promise<string>;
}
