// For tests and the bench: the FCM fake's control API, and the switch that puts the Functions
// emulator's workers on the fake (or back on the sandbox) for a while.
import type { FaultRule } from "./faults.js";
import { SESSION_ENV, type Transport, writeEnv } from "./functions-env.js";
import { CONTROL_PORT, type ReceivedMessage } from "./server.js";

export type { FaultRule, ReceivedMessage };

const CONTROL = `http://127.0.0.1:${CONTROL_PORT}/control`;

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${CONTROL}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
  } catch (err) {
    throw new Error(`The FCM fake does not answer on ${CONTROL} (${(err as Error).message}): run through npm test / scripts/emulators.mjs, which start it.`);
  }
  const json = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`FCM fake ${method} ${path}: ${res.status} ${json.error}`);
  return json;
}

/**
 * Every request the fake received, in arrival order: for one notification (by `data.notificationId`,
 * else the APNs collapse id) and/or to the targets starting with `tokenPrefix`.
 */
export async function fakeMessages(filter: { notificationId?: string; tokenPrefix?: string }): Promise<ReceivedMessage[]> {
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
  return (await control<{ messages: ReceivedMessage[] }>("GET", `/messages?${query}`)).messages;
}

/** Replaces the fault rules (each request takes the first matching rule with uses left). */
export async function setFaults(rules: FaultRule[]): Promise<void> {
  await control("PUT", "/faults", { rules });
}

export async function clearFaults(): Promise<void> {
  await control("DELETE", "/faults");
}

function session() {
  const envFile = process.env[SESSION_ENV.envFile];
  const fcmAddress = process.env[SESSION_ENV.fcmAddress];
  if (!envFile || !fcmAddress) {
    throw new Error("The FCM fake is not part of this emulator session: run through npm test / scripts/emulators.mjs, which start it.");
  }
  return { envFile, fcmAddress, transport: (process.env[SESSION_ENV.sessionTransport] as Transport | undefined) ?? "sandbox" };
}

/**
 * Runs the Functions emulator's functions on `transport` from now on, with `settings` (param
 * values such as SEND_MAX_ATTEMPTS) over functions/.env.local's. The hub's enableBackgroundTriggers
 * reloads the functions: idle workers stop, busy ones finish their call first, and every worker
 * started afterwards reads the new env file. Callers make sure no notification is in flight.
 */
export async function useTransport(transport: Transport, settings: Record<string, string> = {}): Promise<void> {
  const { envFile, fcmAddress } = session();
  writeEnv(envFile, transport, fcmAddress, settings);
  const hub = process.env.FIREBASE_EMULATOR_HUB ?? "127.0.0.1:4400";
  const res = await fetch(`http://${hub}/functions/enableBackgroundTriggers`, { method: "PUT" });
  if (!res.ok) throw new Error(`The emulator hub did not reload the functions: ${res.status} ${await res.text()}`);
}

/** Back to the session's own transport (the sandbox, or the fake under PUSHFAN_FCM=fake) and settings. */
export async function restoreSessionTransport(): Promise<void> {
  await clearFaults();
  await useTransport(session().transport);
}
