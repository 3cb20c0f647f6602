import * as z from "zod";
import {
  authenticated,
  createRoute,
  headers,
  json,
  noContent,
  problem,
  problems,
  publicRoute,
} from "../../lib/openapi";
import { LogSchema } from "../logs/logs.schemas";
import { idParams, UUID_EXAMPLE } from "../shared.schemas";
import { PhotoKeyParamSchema, SignatureQuerySchema } from "./photos.schemas";

const LogIdParams = idParams(UUID_EXAMPLE);

const tags = ["Meal photos"];

const binary = z.string().meta({ format: "binary" });
const images = {
  "image/jpeg": { schema: binary },
  "image/png": { schema: binary },
  "image/webp": { schema: binary },
};

export const putPhoto = createRoute({
  method: "put",
  path: "/v1/logs/{id}/photo",
  operationId: "putLogPhoto",
  tags,
  security: authenticated,
  request: { params: LogIdParams, body: { required: true, content: images } },
  responses: {
    200: json(LogSchema, "The log, with its photo"),
    ...problems(400, 401, 403, 404, 429, 503),
    413: { ...problem(413), description: "Image larger than 5 MiB." },
    415: { ...problem(415), description: "The bytes are not a JPEG, PNG or WebP image." },
  },
});

export const getPhoto = createRoute({
  method: "get",
  path: "/v1/logs/{id}/photo",
  operationId: "getLogPhoto",
  tags,
  security: authenticated,
  request: { params: LogIdParams },
  responses: {
    302: { description: "The signed URL of the photo", headers: headers("Location") },
    ...problems(400, 401, 404, 503),
  },
});

export const deletePhoto = createRoute({
  method: "delete",
  path: "/v1/logs/{id}/photo",
  operationId: "deleteLogPhoto",
  tags,
  security: authenticated,
  request: { params: LogIdParams },
  responses: { 204: noContent("Removed"), ...problems(400, 401, 404, 413, 415, 429, 503) },
});

export const servePhoto = createRoute({
  method: "get",
  path: "/v1/photos/{key}",
  operationId: "getPhoto",
  tags,
  security: publicRoute,
  request: { params: PhotoKeyParamSchema, query: SignatureQuerySchema },
  responses: {
    200: { description: "The image", headers: headers("Cache-Control", "ETag"), content: images },
    304: { description: "Not modified (If-None-Match)", headers: headers("Cache-Control", "ETag") },
    ...problems(400, 403, 404, 503),
  },
});
