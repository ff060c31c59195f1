// push.ts: a web app's pushfan client in FID mode (Firebase JS SDK 12.19: register + onRegistered).

import type { RegisterDeviceRequest, RegisterDeviceResponse, UnregisterDeviceRequest, UnregisterDeviceResponse } from "@pushfan/types";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth } from "firebase/auth";
import { connectFunctionsEmulator, FunctionsError, getFunctions, httpsCallable } from "firebase/functions";
import { getMessaging, isSupported, type MessagePayload, onMessage, onRegistered, onUnregistered, register, type Unsubscribe } from "firebase/messaging";

// Your project's web config (Firebase console > Project settings > Your apps) and its Web Push
// certificate's key pair (Project settings > Cloud Messaging > Web Push certificates).
const firebaseConfig = { apiKey: "…", authDomain: "my-project.firebaseapp.com", projectId: "my-project", messagingSenderId: "…", appId: "…" };
const VAPID_KEY = "…";

const app = initializeApp(firebaseConfig);
const auth = getAuth(app);
const functions = getFunctions(app, "us-central1");
if (location.hostname === "localhost" || location.hostname === "127.0.0.1") {
  // Before the first sign-in and the first call: connecting later has no effect on them.
  connectAuthEmulator(auth, "http://127.0.0.1:9099");
  connectFunctionsEmulator(functions, "127.0.0.1", 5001);
}
const registerDevice = httpsCallable<RegisterDeviceRequest, RegisterDeviceResponse>(functions, "registerDevice");
const unregisterDevice = httpsCallable<UnregisterDeviceRequest, UnregisterDeviceResponse>(functions, "unregisterDevice");

const FID_KEY = "pushfan.fid";
/** The token an earlier version of the app registered with getToken() (token mode). */
const LEGACY_TOKEN_KEY = "pushfan.token";

let stopListeners: Unsubscribe[] = [];

/**
 * Call from a click handler ("Turn on notifications"): browsers ignore or block a permission
 * prompt that no user gesture asked for, and register() would ask on its own.
 */
export async function enablePush(): Promise<boolean> {
  if (!(await isSupported())) return false;
  if ((await Notification.requestPermission()) !== "granted") return false;
  await startPush();
  return true;
}

/** Call after sign-in and on every page load with a signed-in user; it never prompts. */
export async function startPush(): Promise<void> {
  if (!(await isSupported()) || Notification.permission !== "granted") return;
  const messaging = getMessaging(app);
  const serviceWorker = await navigator.serviceWorker.register("/firebase-messaging-sw.js");
  stopListening(); // a second sign-in in the same page must not stack a second set
  stopListeners = [
    // Called on every register() with the current FID, and again when the FID changes.
    onRegistered(messaging, (fid) => void saveFid(fid).catch(reportPushError)),
    // FCM dropped this FID (unregister(), or deleteToken() of the old API): pushfan should too.
    onUnregistered(messaging, (fid) => void forgetFid(fid).catch(reportPushError)),
    // In the foreground FCM shows nothing: show it through the service worker registration, since
    // mobile browsers have no `new Notification()` (an in-app banner is the other good choice).
    onMessage(messaging, (payload) => void showInForeground(serviceWorker, payload)),
  ];
  await register(messaging, { vapidKey: VAPID_KEY, serviceWorkerRegistration: serviceWorker });
}

async function saveFid(fid: string): Promise<void> {
  // The identifier this app instance registered before: a token (token mode) or an older FID.
  // `replaces` removes that device in the same transaction, and the FID device keeps its topics.
  const previous = localStorage.getItem(FID_KEY) ?? localStorage.getItem(LEGACY_TOKEN_KEY);
  await registerDevice({
    fid,
    type: "web",
    name: navigator.userAgent.slice(0, 200),
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    ...(previous && previous !== fid ? { replaces: previous } : {}),
  });
  localStorage.setItem(FID_KEY, fid);
  localStorage.removeItem(LEGACY_TOKEN_KEY);
}

async function forgetFid(fid: string): Promise<void> {
  if (auth.currentUser) await unregisterDevice({ fid });
  if (localStorage.getItem(FID_KEY) === fid) localStorage.removeItem(FID_KEY);
}

async function showInForeground(serviceWorker: ServiceWorkerRegistration, { notification, data, messageId }: MessagePayload): Promise<void> {
  if (!notification?.title) return;
  await serviceWorker.showNotification(notification.title, {
    body: notification.body,
    icon: notification.icon,
    // pushfan's collapse identity: a re-sent notification replaces the one shown.
    tag: data?.notificationId ?? messageId,
    data: { link: data?.link },
  });
}

/** The topics this device follows: the full list, replacing the stored one ([] clears it). */
export async function setTopics(topics: string[]): Promise<void> {
  const fid = localStorage.getItem(FID_KEY);
  if (fid) await registerDevice({ fid, type: "web", topics });
}

function stopListening(): void {
  for (const stop of stopListeners) stop();
  stopListeners = [];
}

/** Call before signOut(): the device stops receiving (active: false) until the next startPush(). */
export async function disablePush(): Promise<void> {
  stopListening();
  const fid = localStorage.getItem(FID_KEY);
  // To delete the device instead: unregisterDevice({ fid }).
  if (fid) await registerDevice({ fid, type: "web", active: false });
}

/** The errors a client must expect from pushfan's callables. */
export function reportPushError(error: unknown): void {
  if (!(error instanceof FunctionsError)) {
    console.error("push:", error);
    return;
  }
  switch (error.code) {
    case "functions/unauthenticated": // no signed-in user, or App Check is enforced and the app sent no valid token
      console.warn("push: sign in (and set up App Check) first", error.message);
      break;
    case "functions/invalid-argument": // details: [{ path, message }], one per problem
      console.error("push: rejected", error.details);
      break;
    case "functions/unavailable": // too many concurrent changes to this user's devices: retry with backoff
      console.warn("push: busy, retry shortly");
      break;
    default: // internal: a server problem, already logged there
      console.error("push:", error.code, error.message);
  }
}
