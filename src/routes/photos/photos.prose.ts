import type { OperationProse } from "../../lib/openapi";

/**
 * The prose of each photos operation in the OpenAPI document, by operationId. Only the document
 * generator (src/routes/docs/generate.ts, in Node) reads it: the Worker's bundle carries the routes'
 * schemas, not their descriptions.
 */
export const photosProse: Record<string, OperationProse> = {
  putLogPhoto: {
    summary: "Upload the meal's photo",
    description:
      "The body is the image itself: JPEG, PNG or WebP, at most 5 MiB. Its type is judged from its bytes, never from `Content-Type`. EXIF (GPS position, camera serials), XMP and text metadata are removed before it is stored; the pixels are kept as they are. Replaces an earlier photo. Counts as a write (per-user write limit). Answers the log, whose `photoUrl` is a signed URL valid for at least an hour.",
  },
  getLogPhoto: {
    summary: "Go to the meal's photo",
    description:
      "Redirects the owner to a freshly signed URL of the stored photo; 404 when the log has none.",
  },
  deleteLogPhoto: {
    summary: "Remove the meal's photo",
    description:
      "The log's `photoUrl` becomes null; a stored image is deleted from storage after the change commits.",
  },
  getPhoto: {
    summary: "A photo, by its signed URL",
    description:
      "What a log's `photoUrl` points at: no cookie or token needed (the URL is the permission), so an `<img>` on another origin shows it. An expired or tampered URL is 403 and never the image; a deleted photo is 404. `Cache-Control` lets the browser keep it until the URL expires.",
  },
};
