// docs/DEPLOY.md names what a deploy creates; this checks every such name against the deploy manifest
// (generated as `firebase deploy` reads it), firestore.indexes.json, firebase.json and the npm scripts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadManifest, type Manifest } from "../../tools/shared/manifest";

const FUNCTIONS_DIR = fileURLToPath(new URL("../..", import.meta.url));
const ROOT = join(FUNCTIONS_DIR, "..");
const guide = readFileSync(join(ROOT, "docs/DEPLOY.md"), "utf8");
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));

let manifest: Manifest;
beforeAll(() => {
  manifest = loadManifest(FUNCTIONS_DIR);
}, 60_000);

const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe("docs/DEPLOY.md", () => {
  it("lists exactly the functions the deploy creates", () => {
    const block = /<!-- deploy:functions -->([\s\S]*?)<!-- \/deploy:functions -->/.exec(guide)?.[1] ?? "";
    const named = backticked(block).filter((name) => /^[a-z][A-Za-z]+$/.test(name));
    expect([...new Set(named)].sort()).toEqual(Object.keys(manifest.endpoints).sort());
  });

  it("names the task queues, the region and the runtime the manifest and firebase.json declare", () => {
    const queues = Object.keys(manifest.endpoints).filter((name) => manifest.endpoints[name].taskQueueTrigger);
    for (const queue of queues) expect(guide).toContain(`\`${queue}\``);
    const regions = new Set(Object.values(manifest.endpoints).flatMap((e) => e.region));
    expect([...regions]).toEqual(["us-central1"]);
    expect(guide).toContain("`us-central1`");
    expect(json("firebase.json").functions[0].runtime).toBe("nodejs22");
    expect(guide).toContain("Node.js 22");
  });

  it("names every API the manifest requires", () => {
    for (const { api } of manifest.requiredAPIs) expect(guide).toContain(`\`${api}\``);
  });

  it("names every TTL policy firestore.indexes.json declares", () => {
    const ttl = json("firestore.indexes.json").fieldOverrides.filter((f: { ttl?: boolean }) => f.ttl);
    expect(ttl.length).toBeGreaterThan(0);
    for (const f of ttl) expect(guide).toContain(`\`${f.collectionGroup}.${f.fieldPath}\``);
  });

  it("names only params that exist, and only npm scripts that exist", () => {
    const params = new Set(manifest.params.map((p) => p.name));
    const named = backticked(guide).flatMap((code) => [...code.matchAll(/\b([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+)\b/g)].map((m) => m[1]!));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !params.has(name))).toEqual([]);
    const scripts = Object.keys(json("package.json").scripts);
    const used = [...guide.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]!);
    expect(used.filter((script) => !scripts.includes(script))).toEqual([]);
  });
});
