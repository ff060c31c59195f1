// A local fake of FCM for the emulators: the HTTP v1 `messages:send` endpoint over HTTP/2 (as
// firebase-admin's sendEach speaks it), the GCE metadata server's token endpoint that
// google-auth-library asks for an access token, and a control API that lists what was received
// and injects faults. Test tooling: never deployed (firebase.json ignores tools/).
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createH2Server, type Http2Server, constants as h2, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { type ErrorAnswer, type FaultRule, Faults, faultRuleProblems, fcmError } from "./faults.js";
import { validateSendRequest } from "./v1-schema.js";

/** The control API's port (9299 is the Eventarc emulator's). */
export const CONTROL_PORT = 9599;
export const SERVICE_ACCOUNT = "pushfan-fcm-fake@demo-pushfan.iam.gserviceaccount.com";

/** One request the fake received, as GET /control/messages lists it. */
export interface ReceivedMessage {
  /** The message's target: its token (or FID, topic, condition). */
  token: string;
  message: Record<string, unknown>;
  /**
   * The HTTP status answered; "reset" for a stream or connection the fake dropped; "abandoned" when
   * the client had given up (its timeout, a lost connection) before a delayed answer was ready.
   */
  status: number | "reset" | "abandoned";
  at: string;
  validateOnly: boolean;
  /** The message id on success, the FcmError code on failure. */
  name?: string;
  errorCode?: string;
}

export interface FcmFake {
  /** host:port of the HTTP/2 (cleartext) FCM endpoint. */
  fcmAddress: string;
  controlUrl: string;
  close(): Promise<void>;
}

/** The answers the sandbox's token prefixes choose (CONTRACT.md §3), here as FCM's own. */
function prefixAnswer(target: string, attemptsBefore: number): ErrorAnswer | undefined {
  if (target.startsWith("sandbox-unregistered")) return fcmError("UNREGISTERED");
  if (target.startsWith("sandbox-invalid")) return fcmError("INVALID_ARGUMENT", { message: "The registration token is not a valid FCM registration token" });
  if (target.startsWith("sandbox-unavailable")) return fcmError("UNAVAILABLE");
  if (target.startsWith("sandbox-flaky") && attemptsBefore === 0) return fcmError("UNAVAILABLE");
  if (target.startsWith("sandbox-auth-error")) return fcmError("THIRD_PARTY_AUTH_ERROR");
  return undefined;
}

const targetOf = (message: Record<string, unknown>) => String(message.token ?? message.fid ?? message.topic ?? message.condition ?? "");
/**
 * The notification a message belongs to: its `data.notificationId` (CONTRACT.md §1), else its APNs
 * collapse id, which is the notification id unless the document sets a collapse key.
 */
function notificationIdOf(message: Record<string, unknown>): string {
  const data = message.data as Record<string, unknown> | undefined;
  const apnsHeaders = (message.apns as { headers?: Record<string, unknown> } | undefined)?.headers;
  return String(data?.notificationId ?? apnsHeaders?.["apns-collapse-id"] ?? "");
}

class FakeState {
  readonly faults = new Faults();
  readonly tokens = new Set<string>();
  /** The raw TCP sockets by client port: HTTP/2 hands out only proxies, which cannot be destroyed. */
  readonly sockets = new Map<number, Socket>();
  private readonly byNotification = new Map<string, ReceivedMessage[]>();
  private count = 0;

  constructor(readonly projectId: string) {}

  record(entry: ReceivedMessage): void {
    const id = notificationIdOf(entry.message);
    const list = this.byNotification.get(id) ?? [];
    list.push(entry);
    this.byNotification.set(id, list);
  }

  /** What was received, for one notification and/or the targets starting with `tokenPrefix`. */
  messages(notificationId?: string, tokenPrefix?: string): ReceivedMessage[] {
    const list = notificationId !== undefined ? (this.byNotification.get(notificationId) ?? []) : [...this.byNotification.values()].flat();
    return tokenPrefix === undefined ? list : list.filter((m) => m.token.startsWith(tokenPrefix));
  }

  /** Earlier requests for the same target and notification (sandbox-flaky fails only the first). */
  attemptsBefore(message: Record<string, unknown>): number {
    const target = targetOf(message);
    return this.messages(notificationIdOf(message), target).filter((m) => m.token === target).length;
  }

  clear(): void {
    this.byNotification.clear();
  }

  nextName(validateOnly: boolean): string {
    return `projects/${this.projectId}/messages/${validateOnly ? "fake_message_id" : `0:${Date.now()}%fake${++this.count}`}`;
  }
}

function readBody(source: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    source.on("data", (c: Buffer) => chunks.push(c));
    source.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    source.on("error", reject);
  });
}

function respond(stream: ServerHttp2Stream, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ":status": status, "content-type": "application/json; charset=UTF-8", ...headers });
  stream.end(JSON.stringify(body));
}

/** One `messages:send` request: auth, faults, the v1 schema, then the token prefixes. */
async function handleSend(state: FakeState, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
  const text = await readBody(stream);
  const path = String(headers[":path"] ?? "");
  if (path !== `/v1/projects/${state.projectId}/messages:send` || headers[":method"] !== "POST") {
    return respond(stream, 404, { error: { code: 404, message: `No route ${headers[":method"]} ${path}`, status: "NOT_FOUND" } });
  }
  const bearer = /^Bearer (.+)$/.exec(String(headers.authorization ?? ""))?.[1];
  if (!bearer || !state.tokens.has(bearer)) {
    return respond(stream, 401, {
      error: { code: 401, message: "Request had invalid authentication credentials. Expected OAuth 2 access token.", status: "UNAUTHENTICATED" },
    });
  }
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    return respond(stream, 400, fcmError("INVALID_ARGUMENT", { message: "Invalid JSON payload received." }).body);
  }
  const message = (body?.message ?? {}) as Record<string, unknown>;
  const validateOnly = body?.validate_only === true || body?.validateOnly === true;
  const entry: ReceivedMessage = { token: targetOf(message), message, status: 200, at: new Date().toISOString(), validateOnly };
  const attemptsBefore = state.attemptsBefore(message);
  const fault = state.faults.take(entry.token);
  if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (stream.closed || stream.destroyed) return state.record({ ...entry, status: "abandoned" });
  if (fault?.kind === "reset") {
    state.record({ ...entry, status: "reset" });
    // A connection dropped without a word (a network failure), or one stream reset.
    if (fault.scope === "session") state.sockets.get(stream.session?.socket.remotePort ?? -1)?.resetAndDestroy();
    else stream.close(h2.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const violations = validateSendRequest(body);
  const error =
    fault?.error ??
    (violations.length > 0 ? fcmError("INVALID_ARGUMENT", { message: violations[0]!.description, violations }) : prefixAnswer(entry.token, attemptsBefore));
  if (error) {
    state.record({ ...entry, status: error.status, errorCode: (error.body.error.details[0] as { errorCode: string }).errorCode });
    return respond(stream, error.status, error.body, error.headers);
  }
  const name = state.nextName(validateOnly);
  state.record({ ...entry, name });
  respond(stream, 200, { name });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The GCE metadata server's answers google-auth-library needs (GCE_METADATA_HOST points here). */
function handleMetadata(state: FakeState, req: IncomingMessage, res: ServerResponse, path: string): void {
  const flavor = { "metadata-flavor": "Google" };
  const text = (value: string) => {
    res.writeHead(200, { "content-type": "application/text", ...flavor });
    res.end(value);
  };
  if (req.headers["metadata-flavor"] !== "Google") json(res, 403, { error: "Missing Metadata-Flavor: Google" }, flavor);
  else if (path.endsWith("/service-accounts/default/token")) {
    const accessToken = `fake-access-token-${randomUUID()}`;
    state.tokens.add(accessToken);
    json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: "Bearer" }, flavor);
  } else if (path.endsWith("/service-accounts/default/email")) text(SERVICE_ACCOUNT);
  else if (path.endsWith("/project/project-id")) text(state.projectId);
  else if (path === "/computeMetadata/v1/instance" || path === "/computeMetadata/v1/instance/") text("");
  else json(res, 404, { error: `The FCM fake's metadata server has no ${path}` }, flavor);
}

async function handleControl(state: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://fake");
  const route = `${req.method} ${url.pathname}`;
  if (url.pathname.startsWith("/computeMetadata/")) return handleMetadata(state, req, res, url.pathname);
  if (route === "GET /control/messages") {
    const query = (name: string) => url.searchParams.get(name) ?? undefined;
    return json(res, 200, { messages: state.messages(query("notificationId"), query("tokenPrefix")) });
  }
  if (route === "DELETE /control/messages") return (state.clear(), json(res, 200, { cleared: true }));
  if (route === "GET /control/faults") return json(res, 200, { rules: state.faults.list() });
  if (route === "DELETE /control/faults") return (state.faults.set([]), json(res, 200, { rules: [] }));
  if (route === "PUT /control/faults") {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return json(res, 400, { error: "The body is not JSON." });
    }
    const problems = faultRuleProblems(body);
    if (problems.length > 0) return json(res, 400, { error: problems.join("; ") });
    state.faults.set((body as { rules: FaultRule[] }).rules);
    return json(res, 200, { rules: state.faults.list() });
  }
  if (route === "GET /control/health") return json(res, 200, { ok: true, projectId: state.projectId });
  json(res, 404, { error: `No route ${route}` });
}

function listen(server: Server | Http2Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts the fake: FCM on an ephemeral port, control and metadata on `controlPort`. */
export async function startFcmFake(options: { projectId: string; controlPort?: number; fcmPort?: number }): Promise<FcmFake> {
  const state = new FakeState(options.projectId);
  const fcm = createH2Server();
  fcm.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    handleSend(state, stream, headers).catch((err) => respond(stream, 500, fcmError("INTERNAL", { message: String(err) }).body));
  });
  fcm.on("sessionError", () => undefined);
  fcm.on("connection", (socket: Socket) => {
    const port = socket.remotePort ?? -1;
    state.sockets.set(port, socket);
    socket.on("close", () => state.sockets.delete(port));
  });
  const control = createHttpServer((req, res) => void handleControl(state, req, res).catch((err) => json(res, 500, { error: String(err) })));
  const fcmPort = await listen(fcm, options.fcmPort ?? 0);
  let controlPort: number;
  try {
    controlPort = await listen(control, options.controlPort ?? CONTROL_PORT);
  } catch (err) {
    fcm.close();
    throw new Error(
      `The FCM fake cannot listen on 127.0.0.1:${options.controlPort ?? CONTROL_PORT} (${(err as Error).message}); is another emulator session running?`,
    );
  }
  return {
    fcmAddress: `127.0.0.1:${fcmPort}`,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    close: async () => {
      control.closeAllConnections();
      await Promise.all([new Promise((r) => control.close(r)), new Promise((r) => fcm.close(r))]);
    },
  };
}
