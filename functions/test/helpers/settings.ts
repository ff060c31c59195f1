// Runs a deployed function's export in this process (its `.run`) with the settings the Functions
// emulator gives it (functions/.env.local), changed where a test asks: params are read from the
// environment at run time.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The settings the emulator's functions run with (functions/.env.local), as firebase-tools reads them. */
export const EMULATOR_SETTINGS: Record<string, string> = Object.fromEntries(
  readFileSync(fileURLToPath(new URL("../../.env.local", import.meta.url)), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => {
      const [key, ...rest] = line.split("=");
      return [key!, rest.join("=").replace(/^"(.*)"$/, "$1")];
    }),
);

/** Runs `fn` with the emulator's settings, changed by `settings`, as the function's environment. */
export async function withSettings<T>(settings: Record<string, string>, fn: () => T | Promise<T>): Promise<T> {
  const all = { ...EMULATOR_SETTINGS, MESSAGING_TRANSPORT: "sandbox", ...settings };
  const saved = Object.fromEntries(Object.keys(all).map((k) => [k, process.env[k]]));
  Object.assign(process.env, all);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
