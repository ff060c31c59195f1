// The one firebase-admin app of the functions, created on first use (never at module load, so that
// deploy-time analysis and unit tests that hand in fakes do not touch Google credentials).
import { type App, getApps, initializeApp } from "firebase-admin/app";
import { type Auth, getAuth } from "firebase-admin/auth";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import { getMessaging, type Messaging } from "firebase-admin/messaging";

export const app = (): App => getApps()[0] ?? initializeApp();
export const db = (): Firestore => getFirestore(app());
export const auth = (): Auth => getAuth(app());
export const messaging = (): Messaging => getMessaging(app());
