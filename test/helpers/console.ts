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
