// Which messaging transport the Functions emulator's workers run: scripts/emulators.mjs points the
// emulator at a generated copy of functions/.env.local (firebase.json `configDir`), and this module
// rewrites that copy and asks the emulator to reload, so that new workers read the new settings.
// The sandbox is functions/.env.local verbatim; the fake adds MESSAGING_TRANSPORT=fcm and its wiring.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CONTROL_PORT } from "./server.js";

/** functions/, from tools/fcm-fake (tests) or lib/tools/fcm-fake (built): the emulator runs the workers there. */
function functionsDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const FUNCTIONS_DIR = functionsDir();
export const BASE_ENV_FILE = join(FUNCTIONS_DIR, ".env.local");
/** Relative to the workers' working directory (functions/), so that no path needs quoting. */
export const PRELOAD = "./lib/tools/fcm-fake/preload.js";

export type Transport = "fake" | "sandbox";

/** What scripts/emulators.mjs hands the command it runs (and so the tests and the bench). */
export const SESSION_ENV = {
  envFile: "PUSHFAN_FCM_ENV_FILE",
  fcmAddress: "PUSHFAN_FCM_FAKE_ADDRESS",
  /** The session's own transport (PUSHFAN_FCM=fake or not), which files restore when they end. */
  sessionTransport: "PUSHFAN_FCM_SESSION",
} as const;

/** KEY=value lines: replaces the value of keys present, appends the others. */
export function withSettings(text: string, settings: Record<string, string>): string {
  const left = new Map(Object.entries(settings));
  const lines = text.split("\n").map((line) => {
    const key = /^([A-Z0-9_]+)=/.exec(line)?.[1];
    if (key === undefined || !left.has(key)) return line;
    const value = left.get(key)!;
    left.delete(key);
    return `${key}=${quote(value)}`;
  });
  const added = [...left].map(([key, value]) => `${key}=${quote(value)}`);
  return [
    ...lines.filter((l, i) => !(i === lines.length - 1 && l === "")),
    ...(added.length ? ["# Set by tools/fcm-fake for this run:", ...added] : []),
    "",
  ].join("\n");
}

const quote = (value: string) => (/^[\w@%+=:,./-]*$/.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`);

/** The settings that put the workers on the fake: FCM transport, the preload, the metadata server. */
export function fakeSettings(baseText: string, fcmAddress: string, extra: Record<string, string> = {}): Record<string, string> {
  const nodeOptions = /^NODE_OPTIONS=(.*)$/m.exec(baseText)?.[1]?.replace(/^"(.*)"$/, "$1") ?? "";
  return {
    MESSAGING_TRANSPORT: "fcm",
    NODE_OPTIONS: `${nodeOptions} --require ${PRELOAD}`.trim(),
    PUSHFAN_FCM_FAKE: fcmAddress,
    // google-auth-library's access token comes from the fake's metadata server, as it comes from
    // Google's in Cloud Functions.
    GCE_METADATA_HOST: `127.0.0.1:${CONTROL_PORT}`,
    METADATA_SERVER_DETECTION: "assume-present",
    ...extra,
  };
}

/** The env file's text for `transport`, from functions/.env.local, with `extra` settings on top. */
export function renderEnv(transport: Transport, fcmAddress: string, extra: Record<string, string> = {}): string {
  const base = readFileSync(BASE_ENV_FILE, "utf8");
  return withSettings(base, transport === "fake" ? fakeSettings(base, fcmAddress, extra) : extra);
}

export function writeEnv(file: string, transport: Transport, fcmAddress: string, extra: Record<string, string> = {}): void {
  writeFileSync(file, renderEnv(transport, fcmAddress, extra));
}
