import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Spawns a Node script that prints one `STACK_READY {json}` line when it is up, and resolves with
 * that JSON and the child. Rejects (with the child's stderr) if it exits first or takes too long.
 */
export function spawnReady<T>(
  script: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; detached?: boolean } = {},
): Promise<{ child: ChildProcess; ready: T }> {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} was not ready after ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (!line.startsWith("STACK_READY ")) return;
      clearTimeout(timer);
      resolve({ child, ready: JSON.parse(line.slice("STACK_READY ".length)) as T });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready\n${stderr}`));
    });
  });
}

/** Sends SIGTERM and waits for the child to exit (SIGKILL after `graceMs`). */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
