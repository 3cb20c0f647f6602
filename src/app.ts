import { createApp } from "./lib/create-app";
import { authRouter } from "./routes/auth";
import { badgesRouter } from "./routes/badges";
import { challengesRouter } from "./routes/challenges";
import { mountDocs } from "./routes/docs";
import { recentFoodsRouter } from "./routes/foods/recent.router";
import { healthRouter } from "./routes/health";
import { logsRouter } from "./routes/logs";
import { photosRouter } from "./routes/photos";
import { usersRouter } from "./routes/users";

/** The whole API: cross-cutting middleware from `createApp()`, then each feature's router. */
export function buildApp() {
  const app = createApp()
    .route("/", healthRouter)
    .route("/", authRouter)
    .route("/", usersRouter)
    .route("/", logsRouter)
    .route("/", photosRouter)
    .route("/", badgesRouter)
    .route("/", challengesRouter)
    // Before the foods catalogue's router: /v1/foods/recent must match ahead of /v1/foods/{id}.
    .route("/", recentFoodsRouter);
  mountDocs(app);
  return app;
}

export type AppType = ReturnType<typeof buildApp>;
