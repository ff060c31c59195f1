// Adapters from the callable protocol to device registration: App Check, auth, validation,
// settings, response shape.
import { type CallableRequest, HttpsError } from "firebase-functions/v2/https";
import { ConfigError, config, forOperator } from "../config.js";
import { logEvent } from "../shared/events.js";
import { db } from "../shared/firebase.js";
import { callerOf } from "../shared/id-token.js";
import { parseOrThrow, ValidationError } from "../shared/validation.js";
import { kindOf } from "./address.js";
import { deviceIdOf, isContention, registerDevice, unregisterDevice } from "./registry.js";
import { type RegisterDeviceResponse, registerDeviceRequestSchema, type UnregisterDeviceResponse, unregisterDeviceRequestSchema } from "./schema.js";

/**
 * Enforced here rather than through onCall's `enforceAppCheck` option, which reads the param when
 * the function is defined (a deploy-time `.value()`). The SDK still verifies a token that is sent
 * and leaves `request.app` unset when it is missing or invalid.
 */
export function checkAppCheck(request: CallableRequest<unknown>): void {
  if (setting(config.enforceAppCheck) && !request.app) {
    throw new HttpsError("unauthenticated", "This app must send a valid App Check token (ENFORCE_APP_CHECK is on).");
  }
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
