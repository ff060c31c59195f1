// The functions' deploy manifest, generated offline exactly as `firebase deploy` does (firebase-functions'
// own bin, loading the built code with no emulator variable set).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Manifest {
  endpoints: Record<string, any>;
  params: Array<{ name: string; type: string; default: unknown; description: string }>;
  requiredAPIs: Array<{ api: string }>;
}

/** Loads the built functions in `functionsDir` (run the build first) and returns their manifest. */
export function loadManifest(functionsDir: string, nodePath = process.execPath): Manifest {
  return generateManifest(functionsDir, nodePath).manifest;
}

/** The manifest and what loading the code printed (a deploy-time `.value()` warns there, say). */
export function generateManifest(functionsDir: string, nodePath = process.execPath): { manifest: Manifest; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "pushfan-manifest-"));
  const out = join(dir, "manifest.json");
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GCLOUD_PROJECT: "my-project",
    FUNCTIONS_MANIFEST_OUTPUT_PATH: out,
    FUNCTIONS_CONTROL_API: "true",
  };
  const bin = join(functionsDir, "node_modules/firebase-functions/lib/bin/firebase-functions.js");
  const run = spawnSync(nodePath, [bin, "."], { cwd: functionsDir, env, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`manifest generation failed (is the build there?): ${run.stderr}`);
  try {
    return { manifest: JSON.parse(readFileSync(out, "utf8")) as Manifest, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
