// scripts/emulators.mjs passes SIGINT/SIGTERM on to firebase-tools while it runs, and once it has
// exited a lone signal ends the wrapper with firebase-tools' status, even while orphans of the
// child (the Java emulator, function workers) keep its output pipe open.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../../../scripts/emulators.mjs", import.meta.url));

/** A wrapper running `sh -c <shell>` through run(), its stdout piped through a filter. */
function wrapper(shell: string) {
  const code = `import(${JSON.stringify(SCRIPT)}).then((m) => m.run("sh", ["-c", ${JSON.stringify(shell)}], process.env, (i, o) => i.pipe(o), { closeGraceMs: 60000 })).then((status) => process.exit(status));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "ignore"] });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on("exit", (c) => resolve({ code: c, at: Date.now() })));
  const printed = new Promise<void>((resolve) => child.stdout.on("data", () => resolve()));
  return { child, exited, printed };
}

describe("scripts/emulators.mjs run()", () => {
  it("a SIGTERM after the child exited ends the wrapper at once with the child's status, though an orphan holds the pipe", async () => {
    // The orphan (sleep, in the background) keeps stdout open after sh exits with 3.
    const { child, exited, printed } = wrapper("echo ready; sleep 8 & exit 3");
    await printed;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const signalledAt = Date.now();
    child.kill("SIGTERM");
    const { code, at } = await exited;
    child.stdout.destroy();
    expect(code).toBe(3);
    expect(at - signalledAt).toBeLessThan(5000);
  });

  it("a SIGTERM while the child runs is passed on to it, and the wrapper exits with its status", async () => {
    const { child, exited, printed } = wrapper("trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done");
    await printed;
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGTERM");
    expect((await exited).code).toBe(7);
  });
});
