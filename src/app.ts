import { createApp } from "./create-app";
import { authRouter } from "./routes/auth";
import { badgesRouter } from "./routes/badges";
import { challengesRouter } from "./routes/challenges";
import { mountDocs } from "./routes/docs";
import { foodsRouter } from "./routes/foods";
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
    .route("/", foodsRouter);
  mountDocs(app);
  return app;
}

export type AppType = ReturnType<typeof buildApp>;
