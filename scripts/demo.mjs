#!/usr/bin/env node
// `npm run demo`: builds, starts fresh emulators, runs the scripted walk-through
// (functions/tools/demo.ts) inside them, stops them. The walk-through shares its stdout with
// firebase-tools, so the emulators' own lines (function workers starting, SDK warnings) are filtered
// out to keep it readable; PUSHFAN_EMULATOR_LOG=INFO shows everything, unfiltered.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { emulatorEnv, EMULATORS, PROJECT_ID, ROOT } from "./emulators.mjs";

const DEMO = "node functions/lib/tools/demo.js";
const verbose = Boolean(process.env.PUSHFAN_EMULATOR_LOG);

/** Lines firebase-tools and the function workers print: bullets, worker start-up, SDK warnings. */
const EMULATOR_LINE = [/^[i✔⚠>]\s/u, /^Serving at port \d+$/, /^\{"severity":"[A-Z]+","message":/];
const ANSI = /\u001b\[[0-9;]*m/g;

const STEP_HEADER = /^\[\d+\/\d+\] /;

/**
 * Copies the demo's lines and drops the emulator's. Blank lines are held back: one next to dropped
 * lines belongs to the emulator, except the one the demo always puts before a step header.
 */
function filterEmulatorLines(input, output) {
  let blanks = 0;
  let lastKept = false;
  createInterface({ input, crlfDelay: Infinity }).on("line", (line) => {
    const plain = line.replace(ANSI, "");
    if (plain.trim() === "") {
      blanks++;
    } else if (EMULATOR_LINE.some((pattern) => pattern.test(plain))) {
      blanks = 0;
      lastKept = false;
    } else {
      if ((blanks > 0 && lastKept) || STEP_HEADER.test(plain)) output.write("\n");
      output.write(`${line}\n`);
      blanks = 0;
      lastKept = true;
    }
  });
}

if (!existsSync(join(ROOT, "node_modules", ".bin", "firebase"))) {
  console.error("[pushfan] firebase-tools is not installed: run 'npm install' first.");
  process.exit(1);
}
const env = emulatorEnv();
console.error("[pushfan] Building functions (tsc)");
if (spawnSync("npm", ["--prefix", "functions", "run", "build", "--silent"], { cwd: ROOT, env, stdio: "inherit" }).status !== 0) {
  console.error("[pushfan] The functions did not build; see the TypeScript errors above.");
  process.exit(1);
}
console.error("[pushfan] Starting fresh emulators for the demo (about 30 s)...");

const args = ["emulators:exec", "--project", PROJECT_ID, "--only", EMULATORS, "--non-interactive"];
args.push("--log-verbosity", verbose ? process.env.PUSHFAN_EMULATOR_LOG : "SILENT", DEMO);
const child = spawn("firebase", args, { cwd: ROOT, env, stdio: ["inherit", verbose ? "inherit" : "pipe", "inherit"] });
if (!verbose) filterEmulatorLines(child.stdout, process.stdout);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
// "close", not "exit": the last lines may still be in the pipe when the process exits.
child.on("close", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
