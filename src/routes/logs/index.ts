import { requireAuth } from "../../middleware/auth";
import { createRouter } from "../create-router";
import {
  createLogHandler,
  deleteLogHandler,
  getLogHandler,
  listLogsHandler,
  patchLogHandler,
  summaryHandler,
} from "./logs.handlers";
import { createLog, deleteLog, getLog, listLogs, patchLog, summary } from "./logs.routes";

const router = createRouter();
router.use("/v1/logs", requireAuth());
router.use("/v1/logs/*", requireAuth());

// The summary is registered before /v1/logs/{id} so "summary" is never read as an id.
export const logsRouter = router
  .openapi(summary, summaryHandler)
  .openapi(createLog, createLogHandler)
  .openapi(listLogs, listLogsHandler)
  .openapi(getLog, getLogHandler)
  .openapi(patchLog, patchLogHandler)
  .openapi(deleteLog, deleteLogHandler);
