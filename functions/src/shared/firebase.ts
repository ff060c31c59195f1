// The one firebase-admin app of the functions, created on first use (never at module load, so that
// deploy-time analysis and unit tests that hand in fakes do not touch Google credentials).
import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getAuth, type Auth } from "firebase-admin/auth";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { getMessaging, type Messaging } from "firebase-admin/messaging";

export const app = (): App => getApps()[0] ?? initializeApp();
export const db = (): Firestore => getFirestore(app());
export const auth = (): Auth => getAuth(app());
export const messaging = (): Messaging => getMessaging(app());
