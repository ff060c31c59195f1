// Adapters from the callable protocol to device registration: App Check, auth, validation,
// settings, response shape.
import { HttpsError, type CallableRequest } from "firebase-functions/v2/https";
import { config, ConfigError, forOperator } from "../config.js";
import { logEvent } from "../shared/events.js";
import { db } from "../shared/firebase.js";
import { parseOrThrow, ValidationError } from "../shared/validation.js";
import { deviceIdOf, isContention, registerDevice, unregisterDevice } from "./registry.js";
import {
  registerDeviceRequestSchema,
  unregisterDeviceRequestSchema,
  type RegisterDeviceResponse,
  type UnregisterDeviceResponse,
} from "./schema.js";

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

function callerOf(request: CallableRequest<unknown>): string {
  // The emulator decodes ID tokens without verifying them, so a garbage token can arrive as auth without a uid.
  const uid = request.auth?.uid;
  if (typeof uid !== "string" || uid === "") throw new HttpsError("unauthenticated", "Sign in before calling this function.");
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
  const uid = callerOf(request);
  const input = parseData(() => parseOrThrow(registerDeviceRequestSchema, request.data, "registerDevice request"));
  const maxDevices = setting(config.maxDevicesPerUser);
  const result = await registerDevice(db(), uid, input, { maxDevices }).catch((error: unknown) => {
    if (isContention(error)) throw new HttpsError("unavailable", "Too many concurrent changes to this user's devices; retry shortly.");
    throw error;
  });
  logEvent("devices.registered", { uid, via: "callable", ...result });
  return { deviceId: result.deviceId, created: result.created };
}

export async function unregisterDeviceHandler(request: CallableRequest<unknown>): Promise<UnregisterDeviceResponse> {
  checkAppCheck(request);
  const uid = callerOf(request);
  const input = parseData(() => parseOrThrow(unregisterDeviceRequestSchema, request.data, "unregisterDevice request"));
  const deviceId = input.deviceId ?? deviceIdOf(input.token!);
  const removed = await unregisterDevice(db(), uid, deviceId);
  logEvent("devices.unregistered", { uid, deviceId, removed, via: "callable" });
  return { removed };
}
