// workerd prints five lines for every subrequest that fails at the network level — even when the
// Worker catches the rejection: `exception = rust/worker/ffi.rs:…: client error (SendRequest)`, then
// `uncaught exception; source = Uncaught (in promise); … Network connection lost.` and its
// `exception = …` twin, each with a `stack:` line of workerd addresses. The console guard never
// sees them (they are workerd's own log, relayed by the vitest pool to this process's stderr), and
// the pool's list of ignored messages cannot be extended from the config.
//
// In this suite such failures are deliberate: the "dependency down" tests point the Worker at a
// closed port (127.0.0.1:9) or at the stack's `down` fault, which drops the connection. So those
// lines, and only those, are counted here instead of printed, and one summary line says how many
// there were. WORKERD_NETWORK_LOGS=1 prints them as they come.
const NETWORK_FAILURE = [
  /^exception = rust\/worker\/ffi\.rs:\d+: disconnected: client error \(SendRequest\)$/,
  /^uncaught exception; source = Uncaught \(in promise\); stack = Error: Network connection lost\.$/,
  /^uncaught exception; exception = workerd\/jsg\/value\.h:\d+: disconnected: jsg\.Error: Network connection lost\.$/,
];
const WORKERD_STACK = /^stack:( \S+workerd@[0-9a-f]+)+$/;

export function collapseWorkerdNetworkNoise(): void {
  if (process.env.WORKERD_NETWORK_LOGS === "1") return;
  const write = process.stderr.write.bind(process.stderr) as (
    chunk: string | Uint8Array,
    ...rest: never[]
  ) => boolean;
  let failures = 0;
  let afterDropped = false;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const kept = text.split("\n").filter((line) => {
      if (NETWORK_FAILURE[0]!.test(line)) failures++;
      const drop =
        NETWORK_FAILURE.some((pattern) => pattern.test(line)) || (afterDropped && WORKERD_STACK.test(line));
      if (line !== "") afterDropped = drop;
      return !drop;
    });
    if (kept.join("") === "" && text !== "") return true;
    return write(kept.join("\n"), ...rest);
  }) as typeof process.stderr.write;
  process.once("exit", () => {
    if (failures === 0) return;
    write(
      `workerd: ${failures} subrequests failed at the network level — the tests that point the Worker at a closed port or at the stack's "down" fault on purpose; their workerd lines are hidden (WORKERD_NETWORK_LOGS=1 shows them).\n`,
    );
  });
}
