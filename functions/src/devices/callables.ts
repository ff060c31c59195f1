// Adapters from the callable protocol to device registration: App Check, auth, validation,
// settings, response shape.
import { type CallableRequest, HttpsError } from "firebase-functions/v2/https";
import { ConfigError, config, forOperator } from "../config.js";
import { logEvent } from "../shared/events.js";
import { auth, db } from "../shared/firebase.js";
import { parseOrThrow, ValidationError } from "../shared/validation.js";
import { kindOf } from "./address.js";
import { codeOf, deviceIdOf, isContention, registerDevice, unregisterDevice } from "./registry.js";
import { type RegisterDeviceResponse, registerDeviceRequestSchema, type UnregisterDeviceResponse, unregisterDeviceRequestSchema } from "./schema.js";

/**
 * Enforced here rather than through onCall's `enforceAppCheck` option, which reads the param when
 * the function is defined (a deploy-time `.value()`). The SDK still verifies a token that is sent
 * and leaves `request.app` unset when it is missing or invalid.
 */
function checkAppCheck(request: CallableRequest<unknown>): void {
  if (setting(config.enforceAppCheck) && !request.app) {
    throw new HttpsError("unauthenticated", "This app must send a valid App Check token (ENFORCE_APP_CHECK is on).");
  }
}

/**
 * The signed-in caller's uid. onCall checks the ID token's signature and expiry but not whether
 * its user still exists: an app that starts after its account was deleted still holds an unexpired
 * token (up to an hour), and would re-create devices that then receive broadcasts for 60 days. So
 * the token is verified again with `checkRevoked` (one Auth lookup, as the api does): a deleted,
 * disabled or revoked user gets `unauthenticated` and nothing is written.
 */
export async function callerOf(request: CallableRequest<unknown>): Promise<string> {
  // The emulator decodes ID tokens without verifying them, so a garbage token can arrive as auth without a uid.
  const uid = request.auth?.uid;
  if (typeof uid !== "string" || uid === "") throw new HttpsError("unauthenticated", "Sign in before calling this function.");
  const token = /^Bearer\s+(\S+)\s*$/i.exec(request.rawRequest.headers.authorization ?? "")?.[1];
  try {
    if (token === undefined || (await auth().verifyIdToken(token, true)).uid !== uid) throw new Error("token mismatch");
  } catch (error) {
    const code = codeOf(error);
    const deleted = code === "auth/user-not-found" || code === "auth/user-disabled" || code === "auth/id-token-revoked";
    throw new HttpsError(
      "unauthenticated",
      deleted ? "This account no longer exists or was signed out everywhere; sign in again." : "The ID token is invalid.",
    );
  }
  return uid;
}

/** A setting, or a clear `internal` error naming the bad param (the operator must fix it). */
export function setting<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new HttpsError("internal", forOperator(error.report()));
  }
}

function parseData<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) throw new HttpsError("invalid-argument", error.message, error.details);
    throw error;
  }
}

export async function registerDeviceHandler(request: CallableRequest<unknown>): Promise<RegisterDeviceResponse> {
  checkAppCheck(request);
  const uid = await callerOf(request);
  const input = parseData(() => parseOrThrow(registerDeviceRequestSchema, request.data, "registerDevice request"));
  const maxDevices = setting(config.maxDevicesPerUser);
  const result = await registerDevice(db(), uid, input, { maxDevices }).catch((error: unknown) => {
    if (isContention(error)) throw new HttpsError("unavailable", "Too many concurrent changes to this user's devices; retry shortly.");
    throw error;
  });
  logEvent("devices.registered", { uid, via: "callable", identifiedBy: kindOf(input), ...result });
  return { deviceId: result.deviceId, created: result.created };
}

export async function unregisterDeviceHandler(request: CallableRequest<unknown>): Promise<UnregisterDeviceResponse> {
  checkAppCheck(request);
  const uid = await callerOf(request);
  const input = parseData(() => parseOrThrow(unregisterDeviceRequestSchema, request.data, "unregisterDevice request"));
  const deviceId = input.deviceId ?? deviceIdOf(input.fid !== undefined ? { fid: input.fid } : { token: input.token! });
  const removed = await unregisterDevice(db(), uid, deviceId);
  logEvent("devices.unregistered", { uid, deviceId, removed, via: "callable" });
  return { removed };
}
