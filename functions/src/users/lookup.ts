// The admin-only callable that finds a user by email or uid, for the console's Users page: admins
// know emails, while devices live under uids. Reads Firebase Auth only; writes nothing.
import type { Auth, UserRecord } from "firebase-admin/auth";
import { type CallableRequest, HttpsError } from "firebase-functions/v2/https";
import { auth } from "../shared/firebase.js";
import { callerOf } from "../shared/id-token.js";
import { parseOrThrow, ValidationError } from "../shared/validation.js";
import { type LookupUserResponse, lookupUserRequestSchema, type UserSummary } from "./schema.js";

const iso = (time: string | undefined) => (time ? new Date(time).toISOString() : null);

function summaryOf(user: UserRecord): UserSummary {
  return {
    uid: user.uid,
    email: user.email ?? null,
    displayName: user.displayName ?? null,
    disabled: user.disabled,
    admin: user.customClaims?.admin === true,
    createdAt: iso(user.metadata.creationTime),
    lastSignInAt: iso(user.metadata.lastSignInTime),
  };
}

/** The user with this email or uid, or null. */
export async function lookupUser(users: Auth, query: { email?: string; uid?: string }): Promise<UserSummary | null> {
  try {
    return summaryOf(query.email !== undefined ? await users.getUserByEmail(query.email) : await users.getUser(query.uid!));
  } catch (error) {
    if ((error as { code?: unknown }).code === "auth/user-not-found") return null;
    throw error;
  }
}

function parse(data: unknown): { email?: string; uid?: string } {
  try {
    return parseOrThrow(lookupUserRequestSchema, data, "lookupUser request");
  } catch (error) {
    if (error instanceof ValidationError) throw new HttpsError("invalid-argument", error.message, error.details);
    throw error;
  }
}

/** Only admins (custom claim `admin: true`, as the rules ask) may look users up. */
export async function lookupUserHandler(request: CallableRequest<unknown>): Promise<LookupUserResponse> {
  await callerOf(request);
  if (request.auth?.token.admin !== true) throw new HttpsError("permission-denied", "Only admins may look users up.");
  return { user: await lookupUser(auth(), parse(request.data)) };
}
