import { buildApp } from "./app";
import type { Bindings } from "./config";

const app = buildApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
