// The one firebase-admin app of the functions, created on first use (never at module load, so that
// deploy-time analysis and unit tests that hand in fakes do not touch Google credentials).
import { type App, getApps, initializeApp } from "firebase-admin/app";
import { type Auth, getAuth } from "firebase-admin/auth";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import { getMessaging, type Messaging } from "firebase-admin/messaging";

/**
 * In the Functions emulator, enqueueing a task asks for the service account that signs it; without
 * one in the options firebase-admin asks the metadata server, which the emulator does not have, and
 * every worker process's first enqueue waited for that to fail before using the emulator's stand-in.
 * Production leaves it to the metadata server (the function's own service account).
 */
const EMULATOR_OPTIONS = { serviceAccountId: "emulated-service-acct@email.com" };

export const app = (): App => getApps()[0] ?? (process.env.FUNCTIONS_EMULATOR === "true" ? initializeApp(EMULATOR_OPTIONS) : initializeApp());
export const db = (): Firestore => getFirestore(app());
export const auth = (): Auth => getAuth(app());
export const messaging = (): Messaging => getMessaging(app());
