// The running Emulator Suite as a client sees it: Auth users with ID tokens, callables over HTTP.
import { readFileSync } from "node:fs";
import { join } from "node:path";

// Compiled to functions/lib/tools/bench/.
export const REPO_ROOT = join(__dirname, "..", "..", "..", "..");
const config = JSON.parse(readFileSync(join(REPO_ROOT, "firebase.json"), "utf8")).emulators;

export const PROJECT_ID = process.env.GCLOUD_PROJECT ?? "demo-pushfan";
export const REGION = "us-central1";
export const FUNCTIONS_BASE = `http://${config.functions.host}:${config.functions.port}/${PROJECT_ID}/${REGION}`;
const AUTH_HOST = process.env.FIREBASE_AUTH_EMULATOR_HOST ?? `127.0.0.1:${config.auth.port}`;

export function requireEmulators(): void {
  if (!process.env.FIRESTORE_EMULATOR_HOST || !process.env.FIREBASE_AUTH_EMULATOR_HOST) {
    throw new Error("The benchmark needs the Emulator Suite: run `npm run bench` at the repository root.");
  }
}

export interface BenchUser {
  uid: string;
  idToken: string;
}

/** A new Auth-emulator user with an ID token. */
export async function createUser(email: string): Promise<BenchUser> {
  const res = await fetch(`http://${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake-api-key`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: "bench-password-1", returnSecureToken: true }),
  });
  if (!res.ok) throw new Error(`Auth emulator signUp: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { localId: string; idToken: string };
  return { uid: body.localId, idToken: body.idToken };
}

/** Longer than any call should take, short enough that a hung emulator does not hang the benchmark. */
const CALL_TIMEOUT_MS = 120_000;

/** Calls a callable as the client SDKs do; throws unless it answers 200 with a result. */
export async function callFunction(name: string, data: unknown, idToken: string): Promise<unknown> {
  const res = await fetch(`${FUNCTIONS_BASE}/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${idToken}` },
    body: JSON.stringify({ data }),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { result: unknown }).result;
}
