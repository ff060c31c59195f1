// The benchmark's own codebase (loaded only by `npm run bench`, never deployed): a callable that
// does one Firestore write, the floor registerDevice's latency is compared with.
import { getApps, initializeApp } from "firebase-admin/app";
import { FieldValue, getFirestore } from "firebase-admin/firestore";
import { HttpsError, onCall } from "firebase-functions/v2/https";

export const benchBaseline = onCall({ region: "us-central1" }, async (request) => {
  const uid = request.auth?.uid;
  if (typeof uid !== "string" || uid === "") throw new HttpsError("unauthenticated", "Sign in before calling this function.");
  const ref = getFirestore(getApps()[0] ?? initializeApp())
    .collection("benchBaseline")
    .doc();
  await ref.set({ userId: uid, data: request.data ?? null, at: FieldValue.serverTimestamp() });
  return { id: ref.id };
});
