// The running Emulator Suite as the seed and demo tools see it: where each emulator listens (from
// the Emulator Hub), and the client side over HTTP: Auth sign-up and sign-in, callables, the api.

const DEFAULT_HUB = "127.0.0.1:4400";
const REGION = "us-central1";

export interface Emulators {
  projectId: string;
  /** host:port */
  auth: string;
  firestore: string;
  /** Base URL of the functions, e.g. http://127.0.0.1:5001/demo-pushfan/us-central1 */
  functions: string;
}

type HubListing = Record<string, { host: string; port: number } | undefined>;

const hostPort = (info: { host: string; port: number }) => `${info.host.includes(":") ? `[${info.host}]` : info.host}:${info.port}`;

/**
 * Asks the Emulator Hub (FIREBASE_EMULATOR_HUB inside `firebase emulators:exec`, else the default
 * port) which emulators run, and points firebase-admin at them. Throws with the fix when they do not.
 */
export async function findEmulators(env: NodeJS.ProcessEnv = process.env): Promise<Emulators> {
  const hub = env.FIREBASE_EMULATOR_HUB || DEFAULT_HUB;
  let listing: HubListing;
  try {
    const res = await fetch(`http://${hub}/emulators`, { signal: AbortSignal.timeout(5000) });
    listing = (await res.json()) as HubListing;
  } catch {
    throw new Error(`The Firebase emulators are not running (no Emulator Hub at ${hub}). Start them with \`npm start\`, or use \`npm run demo\`.`);
  }
  const missing = ["auth", "firestore", "functions"].filter((name) => !listing[name]);
  if (missing.length > 0) throw new Error(`These emulators are not running: ${missing.join(", ")}. Start them with \`npm start\`.`);

  const projectId = env.GCLOUD_PROJECT || "demo-pushfan";
  const emulators = {
    projectId,
    auth: hostPort(listing.auth!),
    firestore: hostPort(listing.firestore!),
    functions: `http://${hostPort(listing.functions!)}/${projectId}/${REGION}`,
  };
  // firebase-admin reads these when the app is initialised.
  env.FIRESTORE_EMULATOR_HOST ||= emulators.firestore;
  env.FIREBASE_AUTH_EMULATOR_HOST ||= emulators.auth;
  env.GCLOUD_PROJECT ||= projectId;
  // Without credentials firebase-admin probes for a Google Cloud metadata server, and offline that
  // ends in a MetadataLookupWarning in the middle of the output. The emulators need no credentials.
  env.METADATA_SERVER_DETECTION ||= "none";
  return emulators;
}

/** An error answered by the emulators, with the HTTP status and the body's message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new HttpError(res.status, `${what}: HTTP ${res.status} ${body?.error?.message ?? text.slice(0, 200)}`);
  return body as T;
}

export interface SignedIn {
  uid: string;
  idToken: string;
}

/** The Auth emulator's REST API, as the client SDKs call it (any API key is accepted). */
async function authCall(emulators: Emulators, path: string, body: unknown): Promise<SignedIn> {
  const res = await fetch(`http://${emulators.auth}/identitytoolkit.googleapis.com/v1/${path}?key=emulator-key`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const out = await json<{ localId: string; idToken: string }>(res, `Auth emulator ${path}`);
  return { uid: out.localId, idToken: out.idToken };
}

export const signIn = (emulators: Emulators, email: string, password: string) =>
  authCall(emulators, "accounts:signInWithPassword", { email, password, returnSecureToken: true });

/**
 * Signs a new user up so that its token passes `verifyIdToken(token, true)`. The Auth emulator's
 * signUp reads the clock twice: its token's `auth_time` is the second the call began, and the
 * user's `validSince` the second of a later reading. When a second ends between the two (a stall
 * on a loaded machine), the token is older than `validSince`, and every function (which checks
 * revocation) refuses it as revoked. A call that began and ended in one second cannot have that
 * gap; after one that did not, `signIn` (a later `auth_time`) gets a token that passes.
 */
export async function withValidToken<T>(signUp: () => Promise<T>, signIn: () => Promise<T>): Promise<T> {
  const began = Math.floor(Date.now() / 1000);
  const user = await signUp();
  return Math.floor(Date.now() / 1000) === began ? user : signIn();
}

/** Creates an email/password user (see withValidToken). */
export const signUp = (emulators: Emulators, email: string, password: string): Promise<SignedIn> =>
  withValidToken(
    () => authCall(emulators, "accounts:signUp", { email, password, returnSecureToken: true }),
    () => signIn(emulators, email, password),
  );

/**
 * Calls a callable function over HTTP exactly as the client SDKs do: `{ data }` in, `{ result }`
 * out. Retries a refused connection for a while: the emulators may still be coming up when a
 * developer starts the demo in a second terminal.
 */
export async function callFunction<T>(emulators: Emulators, name: string, data: unknown, idToken: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let res: Response;
    try {
      res = await fetch(`${emulators.functions}/${name}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${idToken}` },
        body: JSON.stringify({ data }),
        // Longer than any call should take, short enough that a hung emulator does not hang the tool.
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    return (await json<{ result: T }>(res, name)).result;
  }
}

/** Calls the `api` HTTPS function with the user's ID token. */
export async function callApi<T>(emulators: Emulators, method: string, path: string, idToken: string): Promise<T> {
  const res = await fetch(`${emulators.functions}/api${path}`, { method, headers: { Authorization: `Bearer ${idToken}` } });
  return json<T>(res, `${method} ${path}`);
}
