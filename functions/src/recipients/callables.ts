// Adapters from the callable protocol and the api to the preferences store: auth, App Check,
// validation (field paths, unknown fields rejected), the response shape.
import { type CallableRequest, HttpsError } from "firebase-functions/v2/https";
import { checkAppCheck } from "../devices/callables.js";
import { db } from "../shared/firebase.js";
import { callerOf } from "../shared/id-token.js";
import { parseOrThrow, ValidationError } from "../shared/validation.js";
import { getPreferencesRequestSchema, type Preferences } from "./schema.js";
import { applyPreferences, getPreferences } from "./store.js";

async function asCallable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError) throw new HttpsError("invalid-argument", error.message, error.details);
    throw error;
  }
}

export async function setNotificationPreferencesHandler(request: CallableRequest<unknown>): Promise<Preferences> {
  checkAppCheck(request);
  const uid = await callerOf(request);
  return asCallable(() => applyPreferences(db(), uid, request.data, "callable"));
}

export async function getNotificationPreferencesHandler(request: CallableRequest<unknown>): Promise<Preferences> {
  checkAppCheck(request);
  const uid = await callerOf(request);
  return asCallable(async () => {
    parseOrThrow(getPreferencesRequestSchema, request.data, "getNotificationPreferences request");
    return getPreferences(db(), uid);
  });
}
