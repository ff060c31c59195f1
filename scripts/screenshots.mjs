#!/usr/bin/env node
// npm run screenshots: runs the console's browser tests on fresh emulators (they save a picture of
// each page to test-results/screenshots/) and copies the ones the README shows into docs/img/.
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { execInEmulators, ROOT } from "./emulators.mjs";

const PICTURES = ["sign-in", "compose", "compose-errors", "notifications", "notification", "notification-invalid", "users"];

const code = await execInEmulators("cd functions && node_modules/.bin/vitest run --project console", { logVerbosity: "QUIET" });
if (code !== 0) {
  console.error("\n[pushfan] The console tests failed; docs/img was left as it was.");
  process.exit(code);
}
const target = join(ROOT, "docs", "img");
mkdirSync(target, { recursive: true });
for (const name of PICTURES) {
  const to = join(target, `console-${name}.png`);
  copyFileSync(join(ROOT, "test-results", "screenshots", `${name}.png`), to);
  console.log(`${to.slice(ROOT.length + 1)}  ${Math.round(statSync(to).size / 1024)} KB`);
}
