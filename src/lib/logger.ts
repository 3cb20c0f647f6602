export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields` (e.g. the user id once it is known). */
  with(fields: LogFields): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Workers Logs indexes the JSON members of each console line, so one object per line is what makes
// `requestId`, `route` or `status` filterable there.
const sinks: Record<LogLevel, (line: string) => void> = {
  debug: (line) => console.debug(line),
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

// Drizzle puts a failed query's parameters (emails, hashes, tokens) in its error message; logs
// keep the query, never the values.
const redact = (text: string | undefined) =>
  text?.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/, "\nparams: [redacted]");

function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: "non-Error thrown" };
  const cause = error.cause instanceof Error ? error.cause : undefined;
  return {
    error: { name: error.name, message: redact(error.message), stack: redact(error.stack) },
    ...(cause ? { cause: { name: cause.name, message: redact(cause.message) } } : {}),
  };
}

/**
 * Structured JSON logger, one line per event.
 *
 * @example
 * const logger = createLogger({ level: "info", fields: { requestId } });
 * logger.error("query failed", { err });
 */
export function createLogger(options: { level?: LogLevel; fields?: LogFields } = {}): Logger {
  const threshold = rank[options.level ?? "info"];
  const base = options.fields ?? {};
  const write = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (rank[level] < threshold) return;
    const { err, ...rest } = fields;
    const line = {
      level,
      message,
      time: new Date().toISOString(),
      ...base,
      ...rest,
      ...(err === undefined ? {} : describeError(err)),
    };
    sinks[level](JSON.stringify(line));
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    with: (fields) => createLogger({ level: options.level, fields: { ...base, ...fields } }),
  };
}
