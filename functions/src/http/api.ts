// The `api` HTTPS function: a small REST surface over device registration, the inbox's read state and
// event reports, for clients without the callable SDK. Errors share the callable's JSON shape and never carry stack traces.
import type { Auth } from "firebase-admin/auth";
import type { Firestore } from "firebase-admin/firestore";
import { ConfigError, forOperator } from "../config.js";
import { kindOf } from "../devices/address.js";
import { isContention, listDevices, registerDevice, unregisterDevice } from "../devices/registry.js";
import { deviceIdSchema, registerDeviceRequestSchema } from "../devices/schema.js";
import { reportEvent } from "../inbox/events.js";
import { updateInbox } from "../inbox/read-state.js";
import { reportEventRequestSchema, updateInboxRequestSchema } from "../inbox/schema.js";
import { scheduleRefresh } from "../inbox/tasks.js";
import { applyPreferences, getPreferences } from "../recipients/store.js";
import { logEvent } from "../shared/events.js";
import { IdTokenError, verifiedUid } from "../shared/id-token.js";
import { type ErrorDetail, parseOrThrow, ValidationError } from "../shared/validation.js";

export const MAX_BODY_BYTES = 16 * 1024;

export interface ApiRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  rawBody?: Buffer;
}

export interface ApiResponse {
  status(code: number): ApiResponse;
  set(field: string, value: string): ApiResponse;
  json(body: unknown): void;
  end(): void;
}

export interface ApiDeps {
  db: () => Firestore;
  auth: () => Auth;
  maxDevices: () => number;
  corsOrigins: () => string[];
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  503: "UNAVAILABLE",
  500: "INTERNAL",
};

/** An error the api answers with as it is: its message is meant for the client. */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Route {
  pattern: RegExp;
  methods: Record<string, (ctx: Context, params: string[]) => Promise<void>>;
}

interface Context {
  req: ApiRequest;
  res: ApiResponse;
  deps: ApiDeps;
  uid: string;
}

const ROUTES: Route[] = [
  {
    pattern: /^\/v1\/devices$/,
    methods: {
      POST: async ({ req, res, deps, uid }) => {
        const input = parseOrThrow(registerDeviceRequestSchema, jsonBody(req), "device");
        const result = await registerDevice(deps.db(), uid, input, { maxDevices: deps.maxDevices() });
        logEvent("devices.registered", { uid, via: "api", identifiedBy: kindOf(input), ...result });
        res.status(201).json({ deviceId: result.deviceId, created: result.created });
      },
      GET: async ({ res, deps, uid }) => {
        res.status(200).json({ devices: await listDevices(deps.db(), uid) });
      },
    },
  },
  {
    pattern: /^\/v1\/devices\/([^/]+)$/,
    methods: {
      DELETE: async ({ res, deps, uid }, [rawId]) => {
        const deviceId = parseOrThrow(deviceIdSchema, rawId, "deviceId");
        const removed = await unregisterDevice(deps.db(), uid, deviceId);
        logEvent("devices.unregistered", { uid, deviceId, removed, via: "api" });
        res.status(204).end();
      },
    },
  },
  {
    pattern: /^\/v1\/inbox$/,
    methods: {
      POST: async ({ req, res, deps, uid }) => {
        const input = parseOrThrow(updateInboxRequestSchema, jsonBody(req), "updateInbox request");
        const updated = await updateInbox(deps.db(), uid, input);
        logEvent("inbox.updated", { uid, set: input.set, all: input.all === true, updated, via: "api" });
        res.status(200).json({ updated });
      },
    },
  },
  {
    pattern: /^\/v1\/events$/,
    methods: {
      POST: async ({ req, res, deps, uid }) => {
        const input = parseOrThrow(reportEventRequestSchema, jsonBody(req), "reportEvent request");
        const recorded = await reportEvent(deps.db(), uid, input, Date.now(), scheduleRefresh);
        logEvent("inbox.event", { uid, notificationId: input.notificationId, event: input.event, recorded, via: "api" });
        res.status(200).json({ recorded });
      },
    },
  },
  {
    pattern: /^\/v1\/preferences$/,
    methods: {
      GET: async ({ res, deps, uid }) => void res.status(200).json({ preferences: await getPreferences(deps.db(), uid) }),
      PUT: async ({ req, res, deps, uid }) => void res.status(200).json({ preferences: await applyPreferences(deps.db(), uid, jsonBody(req), "api") }),
    },
  },
];

function header(req: ApiRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bodyBytes(req: ApiRequest): number {
  if (req.rawBody) return req.rawBody.length;
  const declared = Number(header(req, "content-length"));
  return Number.isFinite(declared) ? declared : 0;
}

function jsonBody(req: ApiRequest): unknown {
  if (bodyBytes(req) > MAX_BODY_BYTES) {
    throw new ApiError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  const type = (header(req, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(415, "Send the request body as JSON with 'Content-Type: application/json'.");
  }
  if (Buffer.isBuffer(req.body) || typeof req.body === "string") {
    try {
      return JSON.parse(req.body.toString());
    } catch {
      throw new ApiError(400, "The request body is not valid JSON.");
    }
  }
  return req.body;
}

async function authenticate(req: ApiRequest, auth: Auth): Promise<string> {
  try {
    return await verifiedUid(auth, header(req, "authorization"));
  } catch (error) {
    if (error instanceof IdTokenError) throw new ApiError(401, error.message);
    throw error;
  }
}

function corsHeaders(req: ApiRequest, allowed: string[]): Record<string, string> {
  const origin = header(req, "origin");
  if (!origin) return {};
  if (allowed.includes("*")) return { "Access-Control-Allow-Origin": "*" };
  if (allowed.includes(origin)) return { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
  return { Vary: "Origin" };
}

function send(res: ApiResponse, headers: Record<string, string>) {
  for (const [name, value] of Object.entries(headers)) res.set(name, value);
  return res;
}

function sendError(res: ApiResponse, error: ApiError) {
  const status = STATUS_NAMES[error.httpStatus] ?? "UNKNOWN";
  const body: Record<string, unknown> = { status, message: error.message };
  if (error.details) body.details = error.details;
  send(res, error.headers).status(error.httpStatus).json({ error: body });
}

/** Builds the request handler; `deps` are functions so settings and clients resolve per request. */
export function createApiHandler(deps: ApiDeps) {
  return async (req: ApiRequest, res: ApiResponse): Promise<void> => {
    send(res, corsHeaders(req, deps.corsOrigins()));
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, "") : req.path;
    const route = ROUTES.find((r) => r.pattern.test(path));
    try {
      if (!route) throw new ApiError(404, `No route ${req.method} ${path}.`);
      const allow = [...Object.keys(route.methods), "OPTIONS"].join(", ");
      if (req.method === "OPTIONS") {
        send(res, {
          Allow: allow,
          "Access-Control-Allow-Methods": allow,
          "Access-Control-Allow-Headers": "Authorization, Content-Type",
          "Access-Control-Max-Age": "3600",
        })
          .status(204)
          .end();
        return;
      }
      const handle = route.methods[req.method];
      if (!handle) throw new ApiError(405, `${req.method} is not allowed here; use ${allow}.`, undefined, { Allow: allow });
      const uid = await authenticate(req, deps.auth());
      await handle({ req, res, deps, uid }, route.pattern.exec(path)!.slice(1));
    } catch (error) {
      if (error instanceof ApiError) return sendError(res, error);
      if (error instanceof ValidationError) return sendError(res, new ApiError(400, error.message, error.details));
      if (isContention(error)) {
        return sendError(res, new ApiError(503, "Too many concurrent changes to this user's devices; retry shortly.", undefined, { "Retry-After": "1" }));
      }
      if (error instanceof ConfigError) {
        return sendError(res, new ApiError(500, forOperator(error.report())));
      }
      logEvent("api.failed", { method: req.method, path, error: error instanceof Error ? error.stack : String(error) });
      sendError(res, new ApiError(500, "Internal error."));
    }
  };
}
