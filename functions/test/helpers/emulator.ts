// Helpers every emulator test uses: users and ID tokens from the Auth emulator, callables and the
// api called over HTTP as a client would, Firestore as an admin, and polling with a timeout.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { withValidToken } from "../../tools/shared/emulators";

const firebaseJson = JSON.parse(readFileSync(fileURLToPath(new URL("../../../firebase.json", import.meta.url)), "utf8"));
const emulatorConfig = firebaseJson.emulators;

export const PROJECT_ID = process.env.GCLOUD_PROJECT ?? "demo-pushfan";
export const REGION = "us-central1";
export const FUNCTIONS_BASE = `http://${emulatorConfig.functions.host}:${emulatorConfig.functions.port}/${PROJECT_ID}/${REGION}`;
export const API_BASE = `${FUNCTIONS_BASE}/api`;
const AUTH_HOST = process.env.FIREBASE_AUTH_EMULATOR_HOST ?? `127.0.0.1:${emulatorConfig.auth.port}`;
const FIRESTORE_HOST = process.env.FIRESTORE_EMULATOR_HOST ?? `127.0.0.1:${emulatorConfig.firestore.port}`;

const app = getApps()[0] ?? initializeApp({ projectId: PROJECT_ID });
export const db = getFirestore(app);
export const adminAuth = getAuth(app);

/** A fresh id with a readable prefix, so tests sharing the emulator never collide. */
export function uniqueId(prefix = "t"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface TestUser {
  uid: string;
  email: string;
  password: string;
  idToken: string;
}

const authUrl = (path: string) => `http://${AUTH_HOST}/identitytoolkit.googleapis.com/v1/${path}?key=fake-api-key`;

async function authCall(path: string, body: unknown): Promise<{ idToken: string; localId: string }> {
  const res = await fetch(authUrl(path), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`Auth emulator ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ idToken: string; localId: string }>;
}

/** Signs in again, e.g. to get a token carrying new custom claims. */
export async function signIn(email: string, password: string): Promise<string> {
  return (await authCall("accounts:signInWithPassword", { email, password, returnSecureToken: true })).idToken;
}

/** Creates an Auth-emulator user (with optional custom claims) and returns its ID token. */
export async function createUser(options: { claims?: Record<string, unknown>; prefix?: string } = {}): Promise<TestUser> {
  const email = `${uniqueId(options.prefix ?? "user")}@example.com`;
  const password = "password-123";
  const credentials = { email, password, returnSecureToken: true };
  const { localId, idToken } = await withValidToken(
    () => authCall("accounts:signUp", credentials),
    () => authCall("accounts:signInWithPassword", credentials),
  );
  if (!options.claims) return { uid: localId, email, password, idToken };
  await adminAuth.setCustomUserClaims(localId, options.claims);
  return { uid: localId, email, password, idToken: await signIn(email, password) };
}

export const createAdmin = () => createUser({ claims: { admin: true }, prefix: "admin" });

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function toResult(res: Response): Promise<HttpResult> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Calls a callable function over HTTP exactly as the Firebase client SDKs do: `{ data }` in, `{ result }` or `{ error }` out. */
export async function callFunction(name: string, data: unknown, idToken?: string): Promise<HttpResult> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (idToken) headers.Authorization = `Bearer ${idToken}`;
  const res = await fetch(`${FUNCTIONS_BASE}/${name}`, { method: "POST", headers, body: JSON.stringify({ data }) });
  return toResult(res);
}

/**
 * The URL that runs an event-triggered function (the purge's schedule, say) by hand. The Functions
 * emulator names it `<region>-<name>-<generation>`, and the generation grows each time it reloads
 * its triggers (settings.test.ts pauses and resumes them), so the newest one is read from the list
 * of functions that the emulator's 404 answer carries.
 */
export async function eventFunctionUrl(name: string): Promise<string> {
  const res = await fetch(`${FUNCTIONS_BASE}/${name}-no-such-generation`, { method: "POST" });
  const text = await res.text();
  const pattern = new RegExp(`^${REGION}-${name}-(\\d+)$`);
  const generations = (/valid functions are: (.*)$/s.exec(text)?.[1] ?? "")
    .split(", ")
    .map((key) => pattern.exec(key.trim())?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number);
  if (generations.length === 0) throw new Error(`The Functions emulator lists no ${name}: ${res.status} ${text.slice(0, 300)}`);
  return `${FUNCTIONS_BASE}/${name}-${Math.max(...generations)}`;
}

export interface ApiCall {
  token?: string;
  /** A value sent as JSON. */
  json?: unknown;
  /** Sent as is (with `contentType`), for malformed and oversized bodies. */
  raw?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Calls the `api` function: `api("POST", "/v1/devices", { token, json })`. */
export async function api(method: string, path: string, call: ApiCall = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token) headers.Authorization = `Bearer ${call.token}`;
  let body: string | Uint8Array | undefined;
  if (call.json !== undefined) {
    body = JSON.stringify(call.json);
    headers["Content-Type"] = call.contentType ?? "application/json";
  } else if (call.raw !== undefined) {
    body = call.raw;
    if (call.contentType) headers["Content-Type"] = call.contentType;
  }
  return toResult(await fetch(`${API_BASE}${path}`, { method, headers, body }));
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, { timeoutMs = 30_000, intervalMs = 100, what = "condition" } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Starts a scenario that mostly waits for the clock (a quiet window's end, a task's hop, a refresh
 * due in a minute), so that the file's other tests run while it waits; the test that awaits the
 * returned promise checks it. Its failure fails that test, not the run (as an unhandled rejection).
 */
export function startEarly<T>(scenario: () => Promise<T>): Promise<T> {
  const running = scenario();
  running.catch(() => {});
  return running;
}

/** Waits until the document exists and `predicate` holds for its data; returns the data. */
export function waitForDoc(path: string, predicate: (data: FirebaseFirestore.DocumentData) => boolean = () => true, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const snap = await db.doc(path).get();
      const data = snap.data();
      return data && predicate(data) ? data : undefined;
    },
    { timeoutMs, what: `document ${path}` },
  );
}

/** Empties the whole emulator database. Only for suites that own the emulator; tests use unique ids instead. */
export async function clearFirestore() {
  await fetch(`http://${FIRESTORE_HOST}/emulator/v1/projects/${PROJECT_ID}/databases/(default)/documents`, { method: "DELETE" });
}

/** Deletes every Auth-emulator user. */
export async function clearAuth() {
  await fetch(`http://${AUTH_HOST}/emulator/v1/projects/${PROJECT_ID}/accounts`, { method: "DELETE" });
}
