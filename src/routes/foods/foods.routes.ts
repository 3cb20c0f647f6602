import * as z from "zod";
import { authenticated, createRoute, json, jsonBody, noContent, problems } from "../../lib/openapi";
import { idempotencyKeyParameter } from "../idempotency-key";
import { idParams, UUID_EXAMPLE } from "../shared.schemas";
import {
  BarcodeParamSchema,
  CreateFoodSchema,
  FoodPageSchema,
  FoodSchema,
  PatchFoodSchema,
  RecentFoodSchema,
  SearchFoodsQuerySchema,
} from "./foods.schemas";

const tags = ["Foods"];
const FoodIdParams = idParams(UUID_EXAMPLE);

export const searchFoods = createRoute({
  method: "get",
  path: "/v1/foods",
  operationId: "searchFoods",
  tags,
  security: authenticated,
  request: { query: SearchFoodsQuerySchema },
  responses: { 200: json(FoodPageSchema, "Matching foods, best first"), ...problems(400, 401, 503) },
});

export const lookupBarcode = createRoute({
  method: "get",
  path: "/v1/foods/barcode/{code}",
  operationId: "lookupFoodByBarcode",
  tags,
  security: authenticated,
  request: { params: BarcodeParamSchema },
  responses: { 200: json(FoodSchema, "The product"), ...problems(400, 401, 404, 503) },
});

export const createFood = createRoute({
  method: "post",
  path: "/v1/foods",
  operationId: "createFood",
  tags,
  security: authenticated,
  parameters: [idempotencyKeyParameter],
  request: { body: jsonBody(CreateFoodSchema) },
  responses: {
    201: json(FoodSchema, "Created", "Idempotent-Replayed"),
    ...problems(400, 401, 403, 409, 413, 415, 429, 503),
  },
});

export const getFood = createRoute({
  method: "get",
  path: "/v1/foods/{id}",
  operationId: "getFood",
  tags,
  security: authenticated,
  request: { params: FoodIdParams },
  responses: { 200: json(FoodSchema, "The food"), ...problems(400, 401, 404, 503) },
});

export const patchFood = createRoute({
  method: "patch",
  path: "/v1/foods/{id}",
  operationId: "updateFood",
  tags,
  security: authenticated,
  request: { params: FoodIdParams, body: jsonBody(PatchFoodSchema) },
  responses: { 200: json(FoodSchema, "Changed"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});

export const deleteFood = createRoute({
  method: "delete",
  path: "/v1/foods/{id}",
  operationId: "deleteFood",
  tags,
  security: authenticated,
  request: { params: FoodIdParams },
  responses: { 204: noContent("Deleted"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});

export const listRecentFoods = createRoute({
  method: "get",
  path: "/v1/foods/recent",
  operationId: "listRecentFoods",
  tags,
  security: authenticated,
  responses: {
    200: json(z.object({ items: z.array(RecentFoodSchema) }), "The caller's most used foods"),
    ...problems(401, 503),
  },
});
