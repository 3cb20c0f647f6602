import * as z from "zod";

export const LiveSchema = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });

export const ChecksSchema = z.object({
  db: z.enum(["ok", "unavailable"]),
  cache: z.enum(["ok", "disabled", "unavailable"]).meta({
    description:
      "`disabled` when no Upstash is configured; `unavailable` when it is failing (still ready: Redis is optional).",
  }),
});

export const ReadySchema = z
  .object({ status: z.literal("ok"), checks: ChecksSchema })
  .meta({ id: "Readiness" });
