// Emulator only: a callable that does one Firestore write, the floor that `npm run bench` compares
// registerDevice's latency with. index.ts exports it only inside the Functions emulator.
import { FieldValue } from "firebase-admin/firestore";
import { HttpsError, onCall } from "firebase-functions/v2/https";
import { ENFORCE_APP_CHECK } from "../config.js";
import { db } from "../shared/firebase.js";

export const benchBaseline = onCall({ enforceAppCheck: ENFORCE_APP_CHECK }, async (request) => {
  const uid = request.auth?.uid;
  if (typeof uid !== "string" || uid === "") throw new HttpsError("unauthenticated", "Sign in before calling this function.");
  const ref = db().collection("benchBaseline").doc();
  await ref.set({ userId: uid, data: request.data ?? null, at: FieldValue.serverTimestamp() });
  return { id: ref.id };
});
