// Biome (biome.jsonc at the repository's root) over the whole repository, as `npm run lint` runs it:
// no errors. And proof that the rules STYLE asks for are live where they apply: a function of 61
// lines in functions/src fails, one of 60 passes; a floating promise fails anywhere.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BIOME = join(ROOT, "node_modules/.bin/biome");

function biome(args: string[], cwd = ROOT) {
  if (!existsSync(BIOME)) throw new Error("Biome is not installed: run npm install at the repository's root.");
  const run = spawnSync(BIOME, [...args, "--colors=off"], { cwd, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Lints `source` as the file at `path` of a scratch copy of the repository's Biome config. */
function lintAs(path: string, source: string) {
  const scratch = mkdtempSync(join(tmpdir(), "pushfan-lint-"));
  copyFileSync(join(ROOT, "biome.jsonc"), join(scratch, "biome.jsonc"));
  mkdirSync(dirname(join(scratch, path)), { recursive: true });
  writeFileSync(join(scratch, path), source);
  return biome(["lint", "--vcs-enabled=false", path], scratch);
}

describe("Biome", () => {
  it("finds no errors in the repository (npm run lint)", () => {
    const run = biome(["ci", "."]);
    expect(run.status, run.output).toBe(0);
  });

  it("fails a function over 60 lines in functions/src, not one of 60", () => {
    const body = (n: number) => `export function f(): void {\n${Array.from({ length: n - 2 }, (_, i) => `  console.info(${i});`).join("\n")}\n}\n`;
    expect(lintAs("functions/src/probe.ts", body(61))).toMatchObject({ status: 1, output: expect.stringContaining("noExcessiveLinesPerFunction") });
    expect(lintAs("functions/src/probe.ts", body(60)).status).toBe(0);
    expect(lintAs("functions/src/deep/probe.ts", `export const g = () => {\n${body(61)}};\n`).output).toContain("noExcessiveLinesPerFunction");
  });

  it("fails a floating promise", () => {
    const run = lintAs("functions/tools/probe.ts", "async function job(): Promise<number> {\n  return 1;\n}\nexport function start(): void {\n  job();\n}\n");
    expect(run).toMatchObject({ status: 1, output: expect.stringContaining("noFloatingPromises") });
  });
});
