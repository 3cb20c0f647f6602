import { afterEach, beforeEach, type MockInstance, vi } from "vitest";

let spy: MockInstance<typeof console.error> | undefined;
let expected = false;
let calls: unknown[][] = [];

/** Lets the current test log through console.error (a test of a 500, say); returns what was logged. */
export function expectConsoleError() {
  expected = true;
  return calls;
}

/**
 * An unexpected console.error fails the test (epic-stack habit): the Worker logs errors only for bugs.
 * Registered once from test/setup.ts.
 */
export function failOnConsoleError() {
  beforeEach(() => {
    expected = false;
    calls = [];
    spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      calls.push(args);
    });
  });
  afterEach(() => {
    spy?.mockRestore();
    if (!expected && calls.length > 0) {
      throw new Error(`Unexpected console.error:\n${calls.map((args) => args.join(" ")).join("\n")}`);
    }
  });
}

/**
 * Spies on console.log/info/debug/warn (console.error is captured above: pass `expectConsoleError()`'s
 * calls in `errors`). `lines()` are every line written since.
 */
export function captureConsole(errors?: unknown[][]) {
  const levels = ["log", "info", "debug", "warn"] as const;
  const captured: string[] = [];
  const render = (args: unknown[]) =>
    args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" ");
  const spies: MockInstance[] = levels.map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      captured.push(render(args));
    }),
  );
  return {
    /** Every line captured so far (still readable after `restore()`), console.error's included. */
    lines: () => [...captured, ...(errors ?? []).map(render)],
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** The "redis unavailable" outage lines among `lines`. */
export const outageLines = (lines: string[]) => lines.filter((line) => line.includes("redis unavailable"));
