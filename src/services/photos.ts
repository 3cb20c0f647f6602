import { sql } from "drizzle-orm";
import { guardedRead } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import { assertUuid, uuidv7 } from "../lib/ids";
import { IMAGE_EXTENSIONS, sanitizeImage, UnsupportedImage } from "../lib/images";
import type { ObjectStore, StoredObject } from "../lib/object-store";
import { checkPhotoSignature, signPhotoUrl } from "../lib/signed-url";
import type { Log } from "../routes/logs/logs.schemas";
import type { AuthContext, Services } from "../types";
import { guardedWrite } from "./writes";

/**
 * Meal photos in R2 (binding PHOTOS). An object is keyed by its owner, its log and a fresh id —
 * never by anything the client sent — and is only ever shown through a signed URL of this API.
 *
 * Order of effects, so that nothing a user sees is lost and nothing stored is left behind for long:
 * the object is written first, then one database batch points the log at it (session check, write
 * quota and ownership included); objects the database no longer points at (a replaced or deleted
 * photo, a deleted log or account, an upload whose batch failed) are deleted after the commit, with
 * retries, and the hourly sweep removes whatever a failed delete left (sweepOrphanPhotos).
 */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

/**
 * `<user>_<log>_<object id>.<ext>`, one path segment: the only keys this API writes or serves
 * (no slashes, so no path tricks; the user first, so one prefix lists an account's objects).
 */
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const KEY_PATTERN = new RegExp(`^${UUID}_${UUID}_${UUID}\\.(?:jpg|png|webp)$`);
const userPrefix = (userId: string) => `${userId}_`;

/** A log as the database stores it: its photo as an R2 key, not yet a URL. */
export type StoredLog = Log & { photoKey?: string | null };

/** The 404 of a meal log that does not exist or is another user's (also used by services/logs.ts). */
export const logNotFound = () => new ApiError("NOT_FOUND", { detail: "No meal log with this id." });
const notFound = logNotFound;
const noPhoto = () => new ApiError("NOT_FOUND", { detail: "This meal log has no stored photo." });

function bucketOf(services: Services): ObjectStore {
  if (services.photos.bucket) return services.photos.bucket;
  throw new ApiError("SERVICE_UNAVAILABLE", {
    detail: "Photo storage is not configured on this server.",
    headers: { "Retry-After": "60" },
  });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The signed URL of a stored photo, valid for at least an hour. */
function photoUrlFor(services: Services, key: string): Promise<string> {
  return signPhotoUrl({
    origin: services.photos.origin,
    secret: services.config.jwt.secret,
    key,
    nowSeconds: nowSeconds(),
  });
}

/** A stored log as the API answers it: a stored photo becomes a freshly signed URL; the key never shows. */
export async function presentLog(services: Services, stored: StoredLog): Promise<Log> {
  const { photoKey, ...log } = stored;
  return photoKey ? { ...log, photoUrl: await photoUrlFor(services, photoKey) } : log;
}

export const presentLogs = (services: Services, logs: StoredLog[]) =>
  Promise.all(logs.map((log) => presentLog(services, log)));

/** Deletes objects after the response, retried a few times; the sweep catches what still fails. */
export function deletePhotosLater(services: Services, keys: (string | null | undefined)[]) {
  const doomed = keys.filter((key): key is string => Boolean(key));
  if (doomed.length === 0 || !services.photos.bucket) return;
  const bucket = services.photos.bucket;
  services.defer(
    (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await bucket.delete(doomed);
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    })(),
  );
}

/**
 * Stores `bytes` as the log's photo (replacing any earlier one) and answers the log.
 * The type comes from the bytes; EXIF, XMP and text metadata are removed first.
 */
export async function putPhoto(services: Services, auth: AuthContext, logId: string, bytes: Uint8Array) {
  assertUuid(logId, notFound);
  let image: ReturnType<typeof sanitizeImage>;
  try {
    image = sanitizeImage(bytes);
  } catch (err) {
    if (!(err instanceof UnsupportedImage)) throw err;
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", {
      detail: "The body must be a JPEG, PNG or WebP image (judged by its bytes, not its Content-Type).",
    });
  }
  const bucket = bucketOf(services);
  const key = `${auth.userId}_${logId.toLowerCase()}_${uuidv7()}.${IMAGE_EXTENSIONS[image.type]}`;
  await bucket.put(key, image.bytes, {
    httpMetadata: { contentType: image.type },
    customMetadata: { userId: auth.userId, logId },
  });
  let row: { log: StoredLog; old_key: string | null } | undefined;
  try {
    const [updated] = await guardedWrite(services, auth, [
      services.db.execute<{ log: StoredLog; old_key: string | null }>(sql`
        with old as (
          select photo_key from meal_logs where id = ${logId} and user_id = ${auth.userId} for update
        )
        update meal_logs l set photo_key = ${key}, photo_url = null, updated_at = now()
        from old where l.id = ${logId} and l.user_id = ${auth.userId}
        returning meal_log_json(l) as log, old.photo_key as old_key`),
    ]);
    row = updated.rows[0];
  } catch (err) {
    deletePhotosLater(services, [key]);
    throw err;
  }
  if (!row) {
    deletePhotosLater(services, [key]);
    throw notFound();
  }
  deletePhotosLater(services, [row.old_key]);
  return presentLog(services, row.log);
}

/** Removes the log's photo (stored or linked); answers nothing. The object goes after the commit. */
export async function deletePhoto(services: Services, auth: AuthContext, logId: string) {
  assertUuid(logId, notFound);
  const [updated] = await guardedWrite(services, auth, [
    services.db.execute<{ old_key: string | null }>(sql`
      with old as (
        select photo_key from meal_logs where id = ${logId} and user_id = ${auth.userId} for update
      )
      update meal_logs l set photo_key = null, photo_url = null, updated_at = now()
      from old where l.id = ${logId} and l.user_id = ${auth.userId}
      returning old.photo_key as old_key`),
  ]);
  const row = updated.rows[0];
  if (!row) throw notFound();
  deletePhotosLater(services, [row.old_key]);
}

/** The owner's fresh signed URL of the log's stored photo. */
export async function photoRedirect(services: Services, auth: AuthContext, logId: string) {
  assertUuid(logId, notFound);
  const rows = await guardedRead(
    services.db,
    auth.sessionId,
    services.db.execute<{ photo_key: string | null }>(
      sql`select photo_key from meal_logs where id = ${logId} and user_id = ${auth.userId}`,
    ),
  );
  const key = rows.rows[0]?.photo_key;
  if (!key) throw noPhoto();
  return photoUrlFor(services, key);
}

/**
 * The object behind a signed URL. A tampered signature is 403; an expired one 403 too (the URL
 * was genuine once: the client should read the log again for a fresh one); a deleted photo 404.
 */
export async function openSignedPhoto(
  services: Services,
  key: string,
  query: { exp?: string; sig?: string },
): Promise<{ object: StoredObject; expires: number }> {
  if (!KEY_PATTERN.test(key)) throw new ApiError("NOT_FOUND", { detail: "No such photo." });
  const { jwt } = services.config;
  const check = await checkPhotoSignature({
    secrets: jwt.previousSecret ? [jwt.secret, jwt.previousSecret] : [jwt.secret],
    key,
    expires: query.exp,
    sig: query.sig,
    nowSeconds: nowSeconds(),
  });
  if (check !== "valid") {
    throw new ApiError("FORBIDDEN", {
      detail:
        check === "expired"
          ? "This photo URL has expired; read the meal log again for a fresh one."
          : "This photo URL's signature is not valid.",
    });
  }
  const object = await bucketOf(services).get(key);
  if (!object) throw new ApiError("NOT_FOUND", { detail: "No such photo." });
  return { object, expires: Number(query.exp) };
}

/** Deletes every object of a deleted account (after its rows are gone), a page at a time. */
export function purgeUserPhotos(services: Services, userId: string) {
  const bucket = services.photos.bucket;
  if (!bucket) return;
  services.defer(
    (async () => {
      // Always the first page: each one listed is deleted before the next listing.
      for (let page = 0; page < 1000; page++) {
        const listed = await bucket.list({ prefix: userPrefix(userId), limit: 1000 });
        if (listed.objects.length === 0) return;
        await bucket.delete(listed.objects.map((object) => object.key));
        if (!listed.truncated) return;
      }
    })(),
  );
}

const SWEEP_CURSOR_KEY = "sweep/cursor";
const ORPHAN_AGE_MS = 24 * 3600 * 1000;

/**
 * Deletes objects older than a day that no log points at (a failed delete, an upload whose batch
 * failed). Resumable and bounded: at most `pages` listings of 1,000 keys per run, continuing where
 * the last run stopped (its position kept in the bucket itself), one database statement per page.
 */
export async function sweepOrphanPhotos(
  services: Pick<Services, "db" | "photos" | "logger">,
  options: { pages?: number; now?: number } = {},
) {
  const bucket = services.photos.bucket;
  if (!bucket) return { listed: 0, deleted: 0 };
  const now = options.now ?? Date.now();
  const cursorObject = await bucket.get(SWEEP_CURSOR_KEY);
  let cursor = cursorObject ? (await cursorObject.text()) || undefined : undefined;
  let listed = 0;
  let deleted = 0;
  for (let page = 0; page < (options.pages ?? 5); page++) {
    const result = await bucket.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    const old = result.objects.filter(
      (object) => KEY_PATTERN.test(object.key) && now - object.uploaded.getTime() > ORPHAN_AGE_MS,
    );
    listed += result.objects.length;
    if (old.length > 0) {
      const keys = old.map((object) => object.key);
      const orphans = await services.db.execute<{ key: string }>(sql`
        select k.value as key from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) k
        where not exists (select 1 from meal_logs where photo_key = k.value)`);
      const doomed = orphans.rows.map((row) => row.key);
      if (doomed.length > 0) await bucket.delete(doomed);
      deleted += doomed.length;
    }
    cursor = result.truncated ? result.cursor : undefined;
    if (!cursor) break;
  }
  if (cursor) await bucket.put(SWEEP_CURSOR_KEY, cursor);
  else await bucket.delete(SWEEP_CURSOR_KEY);
  if (deleted > 0) services.logger.info("orphan photos swept", { listed, deleted });
  return { listed, deleted };
}
