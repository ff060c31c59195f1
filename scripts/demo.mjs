#!/usr/bin/env node
// `npm run demo`: builds, starts fresh emulators, runs the scripted walk-through
// (functions/tools/demo.ts) inside them, stops them. The walk-through shares its stdout with
// firebase-tools, so the emulators' own lines (function workers starting, SDK warnings) are filtered
// out to keep it readable; PUSHFAN_EMULATOR_LOG=INFO shows everything, unfiltered.
import { createInterface } from "node:readline";
import { execInEmulators } from "./emulators.mjs";

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

process.exit(
  await execInEmulators(DEMO, {
    logVerbosity: verbose ? process.env.PUSHFAN_EMULATOR_LOG : "SILENT",
    filterStdout: verbose ? undefined : filterEmulatorLines,
  }),
);
