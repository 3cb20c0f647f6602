import { createRouter } from "../../lib/create-app";
import { liveHandler, readyHandler } from "./health.handlers";
import { live, ready } from "./health.routes";

export const healthRouter = createRouter().openapi(live, liveHandler).openapi(ready, readyHandler);
