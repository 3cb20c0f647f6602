// Every npm script runs through this guard: `npm ci --ignore-scripts` leaves the pinned Node 22 binary
// uninstalled, and the scripts would then silently run on the machine's older Node.
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  console.error(
    `Sikdan needs Node.js >= 22 (this is ${process.version}). ` +
      "Run `npm ci` (with install scripts) so the pinned `node` devDependency provides it.",
  );
  process.exit(1);
}
