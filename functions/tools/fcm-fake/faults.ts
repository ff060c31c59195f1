// The FCM fake's answers: FCM's error bodies for each FcmError code, and the fault rules a test
// installs through the control API (PUT /control/faults) to make the next matching requests fail.

/** The FcmError codes of the v1 API, with the HTTP status and canonical status FCM answers them with. */
export const FCM_ERRORS = {
  UNSPECIFIED_ERROR: { status: 500, canonical: "INTERNAL", message: "Internal error encountered." },
  INVALID_ARGUMENT: { status: 400, canonical: "INVALID_ARGUMENT", message: "Request contains an invalid argument." },
  UNREGISTERED: { status: 404, canonical: "NOT_FOUND", message: "Requested entity was not found." },
  SENDER_ID_MISMATCH: { status: 403, canonical: "PERMISSION_DENIED", message: "SenderId mismatch" },
  QUOTA_EXCEEDED: { status: 429, canonical: "RESOURCE_EXHAUSTED", message: "Quota exceeded for quota metric 'Messages sent' of service 'fcm.googleapis.com'." },
  UNAVAILABLE: { status: 503, canonical: "UNAVAILABLE", message: "The service is currently unavailable." },
  INTERNAL: { status: 500, canonical: "INTERNAL", message: "Internal error encountered." },
  THIRD_PARTY_AUTH_ERROR: { status: 401, canonical: "UNAUTHENTICATED", message: "Auth error from APNS or Web Push Service" },
} as const;
export type FcmErrorCode = keyof typeof FCM_ERRORS;

const CODE_OF_STATUS: Record<number, FcmErrorCode> = {
  400: "INVALID_ARGUMENT",
  401: "THIRD_PARTY_AUTH_ERROR",
  403: "SENDER_ID_MISMATCH",
  404: "UNREGISTERED",
  429: "QUOTA_EXCEEDED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** An answer other than success: the HTTP status, FCM's JSON error body, and extra headers. */
export interface ErrorAnswer {
  status: number;
  body: { error: { code: number; message: string; status: string; details: unknown[] } };
  headers: Record<string, string>;
}

/** FCM's error body: `{"error":{"code","message","status","details":[FcmError, BadRequest?]}}`. */
export function fcmError(
  code: FcmErrorCode,
  options: { status?: number; message?: string; violations?: Array<{ field: string; description: string }>; retryAfterSeconds?: number } = {},
): ErrorAnswer {
  const known = FCM_ERRORS[code];
  const status = options.status ?? known.status;
  const details: unknown[] = [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: code }];
  if (options.violations?.length) details.push({ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: options.violations });
  const headers: Record<string, string> = options.retryAfterSeconds === undefined ? {} : { "retry-after": String(options.retryAfterSeconds) };
  return { status, headers, body: { error: { code: status, message: options.message ?? known.message, status: known.canonical, details } } };
}

/** A fault rule, exactly as PUT /control/faults takes it. */
export interface FaultRule {
  tokenPrefix?: string;
  /** 200 (the default) answers normally, after `delayMs`. */
  status?: number;
  fcmError?: FcmErrorCode;
  retryAfterSeconds?: number;
  /** How many requests the rule answers; unlimited when absent. */
  times?: number;
  delayMs?: number;
  /** Drop the request instead of answering: `true` or "stream" resets its HTTP/2 stream, "session" the whole connection. */
  resetConnection?: boolean | "stream" | "session";
}

const RULE_KEYS = new Set(["tokenPrefix", "status", "fcmError", "retryAfterSeconds", "times", "delayMs", "resetConnection"]);
const wholeIn = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** The problems of a PUT /control/faults body (an empty list: valid). */
export function faultRuleProblems(body: unknown): string[] {
  const rules = (body as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) return ['the body must be {"rules": [...]}'];
  return rules.flatMap((rule: Record<string, unknown>, i) => {
    const at = `rules[${i}]`;
    if (typeof rule !== "object" || rule === null) return [`${at} must be an object`];
    const problems = Object.keys(rule)
      .filter((k) => !RULE_KEYS.has(k))
      .map((k) => `${at}.${k} is not a rule field`);
    if (rule.tokenPrefix !== undefined && typeof rule.tokenPrefix !== "string") problems.push(`${at}.tokenPrefix must be a string`);
    if (rule.status !== undefined && !wholeIn(rule.status, 200, 599)) problems.push(`${at}.status must be an HTTP status`);
    if (rule.fcmError !== undefined && !(typeof rule.fcmError === "string" && rule.fcmError in FCM_ERRORS))
      problems.push(`${at}.fcmError must be one of ${Object.keys(FCM_ERRORS).join(", ")}`);
    for (const key of ["retryAfterSeconds", "times", "delayMs"]) {
      if (rule[key] !== undefined && !wholeIn(rule[key], key === "times" ? 1 : 0, 3_600_000)) problems.push(`${at}.${key} must be a whole number`);
    }
    if (![undefined, true, false, "stream", "session"].includes(rule.resetConnection as never))
      problems.push(`${at}.resetConnection must be true, "stream" or "session"`);
    return problems;
  });
}

/** What a matched rule does to one request. */
export type FaultAction = { kind: "answer"; delayMs: number; error?: ErrorAnswer } | { kind: "reset"; delayMs: number; scope: "stream" | "session" };

/** The installed rules; each request consumes at most one (the first that matches and has uses left). */
export class Faults {
  private rules: Array<FaultRule & { used: number }> = [];

  set(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({ ...rule, used: 0 }));
  }

  list() {
    return this.rules.map(({ used, ...rule }) => ({ ...rule, used }));
  }

  /** The fault for a request to `target`, or undefined to answer it normally. */
  take(target: string): FaultAction | undefined {
    const rule = this.rules.find((r) => (r.times === undefined || r.used < r.times) && (r.tokenPrefix === undefined || target.startsWith(r.tokenPrefix)));
    if (!rule) return undefined;
    rule.used++;
    const delayMs = rule.delayMs ?? 0;
    if (rule.resetConnection) return { kind: "reset", delayMs, scope: rule.resetConnection === "session" ? "session" : "stream" };
    const status = rule.status ?? (rule.fcmError ? FCM_ERRORS[rule.fcmError].status : 200);
    if (status === 200) return { kind: "answer", delayMs };
    const code = rule.fcmError ?? CODE_OF_STATUS[status] ?? "UNSPECIFIED_ERROR";
    return { kind: "answer", delayMs, error: fcmError(code, { status, retryAfterSeconds: rule.retryAfterSeconds }) };
  }
}
