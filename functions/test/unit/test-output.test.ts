// What `npm test` shows of firebase-tools' output (scripts/emulators.mjs): vitest's report and
// firebase-tools' own messages; the functions' log lines go to a file instead.
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const EMULATORS_SCRIPT = pathToFileURL(join(__dirname, "../../../scripts/emulators.mjs")).href;

describe("npm test's output", () => {
  it("keeps vitest's lines and moves the functions' logs to a file", async () => {
    const { withoutFunctionLogs } = await import(EMULATORS_SCRIPT);
    const logFile = join(mkdtempSync(join(tmpdir(), "pushfan-test-output-")), "functions.log");
    const kept = [
      "i  Running script: npm --prefix functions run test:emulator",
      "> pushfan-functions@0.1.0 test:emulator",
      "\u001b[32m✓\u001b[39m test/integration/api.test.ts (12 tests) 2081ms",
      "⚠  functions: a warning of firebase-tools' own",
      "",
      " Test Files  1 passed (1)",
    ];
    const logs = [
      '>  {"event":"devices.registered","uid":"u1","severity":"INFO","message":"devices.registered"}',
      '\u001b[90m>  {"severity":"DEBUG","message":"Callable request verification passed"}\u001b[39m',
    ];
    const input = new PassThrough();
    let text = "";
    const reader = withoutFunctionLogs(logFile)(input, { write: (chunk: string) => (text += chunk) });
    input.end(`${[kept[0], logs[0], kept[1], kept[2], logs[1], ...kept.slice(3)].join("\n")}\n`);
    await once(reader, "close");
    expect(text.split("\n").slice(0, -1)).toEqual(kept);
    expect(readFileSync(logFile, "utf8")).toBe(`${logs[0]}\n>  {"severity":"DEBUG","message":"Callable request verification passed"}\n`);
  });
});
