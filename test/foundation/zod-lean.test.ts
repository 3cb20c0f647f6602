import { describe, expect, it } from "vitest";
import * as zod from "../../node_modules/zod/index.js";
import * as lean from "../../src/vendor/zod-lean/index.js";

// The Worker bundle resolves "zod" to src/vendor/zod-lean (wrangler.toml [alias]) to leave zod's
// locales out. It must stay zod in every other respect, whatever zod version the lock file brings.
const names = (namespace: object) =>
  Object.keys(namespace)
    .filter((name) => name !== "locales")
    .sort();

describe("zod-lean", () => {
  it("exports everything zod exports except the locales", () => {
    expect(names(lean)).toEqual(names(zod));
    expect(names(lean.z)).toEqual(names(zod.z));
    expect(names(lean.core)).toEqual(names(zod.core));
    expect((lean as Record<string, unknown>).locales).toBeUndefined();
  });

  it("validates and reports errors in English as zod does", () => {
    const schema = lean.z.object({ title: lean.z.string().min(1) });
    const result = schema.safeParse({ title: "" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Too small: expected string to have >=1 characters");
  });
});
