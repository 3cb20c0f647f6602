// What `import … from "zod"` resolves to in the Worker bundle (wrangler.toml [alias]); types and
// tests use zod itself. Same shape as zod's own index.js.
import * as z from "./api.js";

export * from "./api.js";
export { z, z as default };
