// send-order-shipped.ts: an admin script (Node.js 22, firebase-admin) writes a notification and waits for its outcome.

import type { NotificationDocument, NotificationRequest, NotificationStatus } from "@pushfan/types";
import { initializeApp } from "firebase-admin/app";
import { getFirestore, type Timestamp } from "firebase-admin/firestore";

// The project id says where to write: Application Default Credentials do not always name one (a
// user's `gcloud auth application-default login` does not), and with FIRESTORE_EMULATOR_HOST set
// it must match the emulators' (demo-pushfan). PUSHFAN_PROJECT is this script's own variable.
initializeApp({ projectId: process.env.PUSHFAN_PROJECT ?? "demo-pushfan" });
const db = getFirestore();

const notification: NotificationRequest = {
  userIds: ["uid-1", "uid-2"],
  title: "Your order has shipped",
  body: "Arriving Thursday",
  imageUrl: "https://cdn.example.com/orders/1234.png",
  data: { orderId: "1234", screen: "order" }, // numbers and booleans are sent as strings
  link: "https://shop.example.com/orders/1234",
  android: { channelId: "orders" },
  apns: { badge: 1 },
};
const ref = await db.collection("notifications").add(notification);

// Every status after which nothing more happens (`scheduled` waits for its time; `processing` sends).
const done: NotificationStatus[] = ["sent", "partial", "failed", "no-devices", "invalid", "cancelled"];
const outcome = await new Promise<NotificationDocument<Timestamp>>((resolve, reject) => {
  const stop = ref.onSnapshot((snap) => {
    const doc = snap.data() as NotificationDocument<Timestamp> | undefined;
    if (doc?.status && done.includes(doc.status)) {
      stop();
      resolve(doc);
    }
  }, reject);
});
console.log(outcome.status, outcome.stats, outcome.error);
