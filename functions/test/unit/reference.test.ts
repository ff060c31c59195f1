// docs/REFERENCE.md cannot drift from the code: its generated parts (functions, requests, documents,
// statuses, settings) must equal what tools/reference.ts writes now, and the generator must cover every
// callable and every stored shape. Needs the build (npm run test:unit and npm test build first).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { blockNames, DOCUMENTS, generatedBlocks, REQUESTS, withBlocks } from "../../tools/reference";
import { loadManifest, type Manifest } from "../../tools/shared/manifest";

const FUNCTIONS_DIR = fileURLToPath(new URL("../..", import.meta.url));
const REFERENCE = join(FUNCTIONS_DIR, "../docs/REFERENCE.md");
const reference = readFileSync(REFERENCE, "utf8");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

let manifest: Manifest;
beforeAll(() => {
  manifest = loadManifest(FUNCTIONS_DIR);
}, 60_000);

describe("docs/REFERENCE.md", () => {
  it("has every generated part, and each equals what the code generates now (else: npm run docs)", () => {
    const blocks = generatedBlocks(manifest, readFileSync(join(FUNCTIONS_DIR, ".env.local"), "utf8"));
    expect(blockNames(reference).sort()).toEqual(Object.keys(blocks).sort());
    expect(withBlocks(reference, blocks), "docs/REFERENCE.md is stale: run npm run docs").toBe(reference);
  });

  it("documents the request of every callable the deploy creates", () => {
    const callables = Object.keys(manifest.endpoints).filter((name) => manifest.endpoints[name].callableTrigger);
    expect(
      callables.filter((name) => !REQUESTS[name]),
      "add them to REQUESTS in tools/reference.ts",
    ).toEqual([]);
  });

  it("documents every stored shape (each converter made with converterOf)", () => {
    const converters = tsFiles(join(FUNCTIONS_DIR, "src")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/export const (\w+) = converterOf\(/g)].map((m) => m[1]!),
    );
    expect(converters.length).toBeGreaterThan(0);
    const documented = new Set(DOCUMENTS.map((d) => d.converter));
    expect(
      converters.filter((name) => !documented.has(name)),
      "add them to DOCUMENTS in tools/reference.ts",
    ).toEqual([]);
  });

  it("describes every function in its own words too, outside the generated table", () => {
    const handWritten = reference.replace(/<!-- generated:(\w+)[\s\S]*?<!-- \/generated:\1 -->/g, "");
    expect(Object.keys(manifest.endpoints).filter((name) => !handWritten.includes(`\`${name}\``))).toEqual([]);
  });

  it("a block it does not know is an error, not silently kept", () => {
    expect(() => withBlocks("<!-- generated:nope (npm run docs) -->\nx\n<!-- /generated:nope -->", {})).toThrow(/nope/);
  });
});
