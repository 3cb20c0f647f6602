import type { RouteHandler } from "@hono/zod-openapi";
import { canonicalBarcode } from "../../lib/barcode";
import { lookupBarcode } from "../../services/food-barcodes";
import { searchFoods } from "../../services/food-search";
import * as foods from "../../services/foods";
import { recentFoods } from "../../services/recent-foods";
import type { AppEnv } from "../../types";
import { idempotencyKeyOf } from "../idempotency-key";
import type * as routes from "./foods.routes";

type Handler<R extends Parameters<typeof import("@hono/zod-openapi").createRoute>[0]> = RouteHandler<
  R,
  AppEnv
>;

const barcodeOf = (code: string | null | undefined) => (code ? canonicalBarcode(code) : code);

export const searchFoodsHandler: Handler<typeof routes.searchFoods> = async (c) =>
  c.json(await searchFoods(c.var, c.var.auth, c.req.valid("query")), 200);

export const lookupBarcodeHandler: Handler<typeof routes.lookupBarcode> = async (c) =>
  c.json(await lookupBarcode(c.var, c.var.auth, c.req.valid("param").code), 200);

export const createFoodHandler: Handler<typeof routes.createFood> = async (c) => {
  const input = c.req.valid("json");
  const created = await foods.createFood(
    c.var,
    c.var.auth,
    {
      name: input.name,
      brand: input.brand || null,
      barcode: barcodeOf(input.barcode) ?? null,
      servingG: input.servingG ?? null,
      per100g: input.per100g,
    },
    idempotencyKeyOf(c),
  );
  if (created.replayed) {
    c.header("Idempotent-Replayed", "true");
    return c.json(created.body as foods.Food, 201);
  }
  const { replayed: _replayed, ...food } = created;
  return c.json(food, 201);
};

export const getFoodHandler: Handler<typeof routes.getFood> = async (c) =>
  c.json(await foods.getFood(c.var, c.var.auth, c.req.valid("param").id), 200);

export const patchFoodHandler: Handler<typeof routes.patchFood> = async (c) => {
  const { brand, barcode, ...rest } = c.req.valid("json");
  const patch: foods.FoodPatch = { ...rest };
  if (brand !== undefined) patch.brand = brand || null;
  if (barcode !== undefined) patch.barcode = barcodeOf(barcode);
  return c.json(await foods.patchFood(c.var, c.var.auth, c.req.valid("param").id, patch), 200);
};

export const deleteFoodHandler: Handler<typeof routes.deleteFood> = async (c) => {
  await foods.deleteFood(c.var, c.var.auth, c.req.valid("param").id);
  return c.body(null, 204);
};

export const listRecentFoodsHandler: Handler<typeof routes.listRecentFoods> = async (c) =>
  c.json(await recentFoods(c.var, c.var.auth), 200);
