// The one check of a caller's Firebase ID token, for the callables and the api alike: signature,
// expiry, and (checkRevoked, one Auth lookup) that its user still exists, is enabled and was not
// signed out everywhere, so a deleted user's unexpired token writes nothing anywhere.
import type { Auth } from "firebase-admin/auth";
import { type CallableRequest, HttpsError } from "firebase-functions/v2/https";
import { auth } from "./firebase.js";

const AUTH_MESSAGES: Record<string, string> = {
  "auth/id-token-expired": "The ID token has expired; get a fresh one from the Firebase Auth SDK.",
  "auth/id-token-revoked": "The ID token has been revoked; sign in again.",
  "auth/user-disabled": "This user account has been disabled.",
  "auth/user-not-found": "This user account no longer exists.",
};

/** Why a request's ID token was refused: the message a client is told. */
export class IdTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdTokenError";
  }
}

/** The uid of the `Authorization: Bearer <ID token>` header's user; throws IdTokenError otherwise. */
export async function verifiedUid(auth: Auth, authorization: string | undefined): Promise<string> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (token === undefined) throw new IdTokenError("Send a Firebase ID token as 'Authorization: Bearer <token>'.");
  try {
    return (await auth.verifyIdToken(token, true)).uid;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw new IdTokenError((typeof code === "string" && AUTH_MESSAGES[code]) || "The ID token is invalid.");
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
  try {
    if ((await verifiedUid(auth(), request.rawRequest.headers.authorization)) === uid) return uid;
  } catch (error) {
    if (error instanceof IdTokenError) throw new HttpsError("unauthenticated", error.message);
    throw error;
  }
  throw new HttpsError("unauthenticated", "The ID token is invalid.");
}
