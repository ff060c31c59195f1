// Adapters from the callable protocol to device registration: auth, validation, response shape.
import { HttpsError, type CallableRequest } from "firebase-functions/v2/https";
import { logger } from "firebase-functions";
import { settings } from "../config.js";
import { db } from "../shared/firebase.js";
import { parseOrThrow, ValidationError } from "../shared/validation.js";
import { registerDevice, unregisterDevice, deviceIdOf, isContention } from "./registry.js";
import {
  registerDeviceRequestSchema,
  unregisterDeviceRequestSchema,
  type RegisterDeviceResponse,
  type UnregisterDeviceResponse,
} from "./schema.js";

function callerOf(request: CallableRequest<unknown>): string {
  // The emulator decodes ID tokens without verifying them, so a garbage token can arrive as auth without a uid.
  const uid = request.auth?.uid;
  if (typeof uid !== "string" || uid === "") throw new HttpsError("unauthenticated", "Sign in before calling this function.");
  return uid;
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
  const uid = callerOf(request);
  const input = parseData(() => parseOrThrow(registerDeviceRequestSchema, request.data, "registerDevice request"));
  const result = await registerDevice(db(), uid, input, { maxDevices: settings().maxDevicesPerUser }).catch((error: unknown) => {
    if (isContention(error)) throw new HttpsError("unavailable", "Too many concurrent changes to this user's devices; retry shortly.");
    throw error;
  });
  logger.info("devices.registered", { uid, via: "callable", ...result });
  return { deviceId: result.deviceId, created: result.created };
}

export async function unregisterDeviceHandler(request: CallableRequest<unknown>): Promise<UnregisterDeviceResponse> {
  const uid = callerOf(request);
  const input = parseData(() => parseOrThrow(unregisterDeviceRequestSchema, request.data, "unregisterDevice request"));
  const deviceId = input.deviceId ?? deviceIdOf(input.token!);
  const removed = await unregisterDevice(db(), uid, deviceId);
  logger.info("devices.unregistered", { uid, deviceId, removed, via: "callable" });
  return { removed };
}
