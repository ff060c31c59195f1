// npm run docs: rewrites the generated parts of docs/REFERENCE.md from the code (run after the build).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generatedBlocks, withBlocks } from "./reference.js";
import { loadManifest } from "./shared/manifest.js";

const FUNCTIONS_DIR = join(__dirname, "../..");
const REFERENCE = join(FUNCTIONS_DIR, "../docs/REFERENCE.md");

const before = readFileSync(REFERENCE, "utf8");
const blocks = generatedBlocks(loadManifest(FUNCTIONS_DIR), readFileSync(join(FUNCTIONS_DIR, ".env.local"), "utf8"));
const after = withBlocks(before, blocks);
writeFileSync(REFERENCE, after);
console.log(after === before ? "docs/REFERENCE.md is up to date." : "docs/REFERENCE.md: generated parts rewritten.");
