import { createApp } from "./lib/create-app";
import { mountDocs } from "./routes/docs";
import { healthRouter } from "./routes/health";

/** The whole API: cross-cutting middleware from `createApp()`, then each feature's router. */
export function buildApp() {
  const app = createApp().route("/", healthRouter);
  mountDocs(app);
  return app;
}

export type AppType = ReturnType<typeof buildApp>;
