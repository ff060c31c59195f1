// The FCM fake's part of an emulator session, for scripts/emulators.mjs: starts the fake, writes
// the functions' env file (sandbox, or the fake with PUSHFAN_FCM=fake) in a folder of its own, and
// says what to hand firebase-tools (`configDir`) and the command it runs (SESSION_ENV).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SESSION_ENV, type Transport, writeEnv } from "./functions-env.js";
import { startFcmFake } from "./server.js";

export interface FcmFakeSession {
  /** The folder firebase-tools reads the functions' .env.local from (firebase.json `configDir`). */
  configDir: string;
  env: Record<string, string>;
  transport: Transport;
  close(): Promise<void>;
}

/** `PUSHFAN_FCM`: unset or `sandbox` (the default), or `fake`; anything else is refused. */
export function sessionTransport(value: string | undefined): Transport {
  if (value === undefined || value === "" || value === "sandbox") return "sandbox";
  if (value === "fake") return "fake";
  throw new Error(`PUSHFAN_FCM is "${value}"; it must be "fake" or "sandbox" (the default).`);
}

export async function startFcmFakeSession(options: { root: string; projectId: string; transport: Transport }): Promise<FcmFakeSession> {
  const fake = await startFcmFake({ projectId: options.projectId });
  const configDir = join(options.root, ".cache", "fcm-fake", "functions-env");
  mkdirSync(configDir, { recursive: true });
  const envFile = join(configDir, ".env.local");
  writeEnv(envFile, options.transport, fake.fcmAddress);
  return {
    configDir,
    transport: options.transport,
    env: { [SESSION_ENV.envFile]: envFile, [SESSION_ENV.fcmAddress]: fake.fcmAddress, [SESSION_ENV.sessionTransport]: options.transport },
    close: fake.close,
  };
}
