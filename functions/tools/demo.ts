// `npm run demo`: a scripted walk-through of pushfan against running emulators (the npm script
// starts fresh ones; run directly, it uses whatever emulators are up). Clients go through the Auth
// emulator, the callables and the api; the admin writes Firestore. The demo checks what it shows and
// exits 1 when the product misbehaves, so CI can run it.
import { randomUUID } from "node:crypto";
import { initializeApp } from "firebase-admin/app";
import { type Firestore, getFirestore, Timestamp } from "firebase-admin/firestore";
import { type Address, identifierOf, kindOf } from "../src/devices/address.js";
import { SANDBOX_OUTBOX } from "../src/messaging/sandbox.js";
import { NOTIFICATIONS } from "../src/notifications/documents.js";
import { type PurgeOptions, purgeDevices } from "../src/purge/purge.js";
import type { DeviceType, ListDevicesResponse, NotificationRequest, RegisterDeviceResponse } from "../src/types.js";
import { callApi, callFunction, type Emulators, findEmulators, signUp } from "./shared/emulators.js";
import { readDeliveries, waitForOutcome } from "./shared/notifications.js";
import { formatTable } from "./shared/output.js";

const STEPS = 10;
const DAY_MS = 24 * 60 * 60 * 1000;
const IMAGE = "https://picsum.photos/seed/pushfan-demo/1024/512";
/** The production defaults of INACTIVE_RETENTION_DAYS and STALE_DEVICE_DAYS. */
const PURGE: PurgeOptions = { inactiveRetentionDays: 30, staleDeviceDays: 60, timeBudgetMs: 60_000 };
const PLATFORM: Record<DeviceType, string> = { ios: "iOS", android: "Android", web: "web" };

interface DemoDevice {
  type: DeviceType;
  name: string;
  /** Its FCM registration token, or its Firebase Installation ID (FID mode, as the SDKs now prefer). */
  address: Address;
  deviceId?: string;
}

const KIND_LABELS = { token: "token", fid: "FID" } as const;

/** The product did not do what the demo shows: exit 1 with what went wrong. */
class DemoFailure extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new DemoFailure(message);
}

function step(n: number, title: string) {
  console.log(`\n[${n}/${STEPS}] ${title}`);
}

const indent = (text: string) => text.replace(/^/gm, "      ");

async function listDevices(emulators: Emulators, idToken: string) {
  return (await callApi<ListDevicesResponse>(emulators, "GET", "/v1/devices", idToken)).devices;
}

/** Step 6: her apps follow a topic; an admin sends to it, on iOS and web only. */
async function topicSend(emulators: Emulators, db: Firestore, idToken: string, run: string, d: Record<"iphone" | "pixel" | "laptop", DemoDevice>) {
  const topic = `news-${run}`;
  step(6, `Her apps follow the topic "${topic}"; an admin sends to it, on iOS and web only`);
  for (const device of [d.iphone, d.pixel, d.laptop]) {
    await callFunction(emulators, "registerDevice", { ...device.address, type: device.type, topics: [topic, "weather"] }, idToken);
  }
  console.log(`      registerDevice { topics: ["${topic}", "weather"] } from each of her three apps`);
  const ref = db.collection(NOTIFICATIONS).doc(`demo-${run}-topic`);
  const notification: NotificationRequest = { topic, platforms: ["ios", "web"], title: "Breaking news", body: "Only on iOS and the web." };
  await ref.set(notification);
  console.log(`      ${ref.path}: ${JSON.stringify(notification)}`);
  const outcome = await waitForOutcome(ref, { timeoutMs: 60_000, label: "      waiting for the topic send:" });
  check(outcome?.status === "sent", `expected the topic send to end sent, got ${outcome?.status}`);
  const sentTo = new Set((await readDeliveries(ref)).filter((x) => x.status === "sent").map((x) => x.deviceId));
  console.log(
    indent(
      formatTable(
        ["DEVICE", "PLATFORM", "OUTCOME"],
        [d.iphone, d.pixel, d.laptop].map((x) => [x.name, PLATFORM[x.type], sentTo.has(x.deviceId!) ? "sent" : "not in the audience (android)"]),
      ),
    ),
  );
  check(sentTo.size === 2 && sentTo.has(d.iphone.deviceId!) && sentTo.has(d.laptop.deviceId!), "the topic send did not reach exactly the iOS and web devices");
}

const WORLD_CUP = {
  title: "Kick-off in 10 minutes",
  body: "Brazil vs Japan: tap to follow the match live.",
  translations: {
    "pt-BR": { title: "Começa em 10 minutos", body: "Brasil x Japão: toque para acompanhar ao vivo." },
    ja: { title: "まもなくキックオフ", body: "ブラジル対日本：タップしてライブで観戦。" },
  },
};

/** Step 7: one notification, three languages: each device gets the translation of its own locale. */
async function languagesSend(emulators: Emulators, db: Firestore, run: string, ada: { idToken: string; iphone: DemoDevice }) {
  const topic = `world-cup-${run}`;
  step(7, "One notification in three languages: an English, a Brazilian Portuguese and a Japanese phone");
  const friends = [
    {
      email: `bruna-${run}@pushfan.test`,
      device: { type: "android", name: "Bruna's Galaxy", address: { token: `demo-${run}-bruna` } } as DemoDevice,
      locale: "pt-br",
    },
    {
      email: `haruto-${run}@pushfan.test`,
      device: { type: "ios", name: "Haruto's iPhone", address: { token: `demo-${run}-haruto` } } as DemoDevice,
      locale: "ja-JP",
    },
  ];
  const phones: Array<{ device: DemoDevice; idToken: string; locale: string }> = [{ device: ada.iphone, idToken: ada.idToken, locale: "en-US" }];
  for (const f of friends) phones.push({ device: f.device, idToken: (await signUp(emulators, f.email, "pushfan-demo")).idToken, locale: f.locale });
  // Each app registers with the phone's language (and again whenever it changes).
  for (const { device, idToken, locale } of phones) {
    const res = await callFunction<RegisterDeviceResponse>(
      emulators,
      "registerDevice",
      { ...device.address, type: device.type, name: device.name, locale, topics: [topic] },
      idToken,
    );
    device.deviceId = res.deviceId;
  }
  console.log(`      registerDevice { locale } from ${phones.map((p) => `${p.device.name} ("${p.locale}")`).join(", ")}`);
  const ref = db.collection(NOTIFICATIONS).doc(`demo-${run}-languages`);
  const notification: NotificationRequest = { topic, ...WORLD_CUP };
  await ref.set(notification);
  console.log(`      ${ref.path}: ${JSON.stringify(notification)}`);
  const outcome = await waitForOutcome(ref, { timeoutMs: 60_000, label: "      waiting for the send:" });
  check(outcome?.status === "sent", `expected the send in three languages to end sent, got ${outcome?.status}`);
  const deliveries = await readDeliveries(ref);
  const outbox = await db.collection(SANDBOX_OUTBOX).where("notificationId", "==", ref.id).get();
  const titleOf = (d: DemoDevice) => outbox.docs.find((o) => o.get("deviceId") === d.deviceId)?.get("message.notification.title") as string | undefined;
  const rows = phones.map(({ device, locale }) => [
    device.name,
    locale,
    deliveries.find((x) => x.deviceId === device.deviceId)?.locale ?? "(the document's own)",
    titleOf(device) ?? "nothing sent",
  ]);
  console.log(indent(formatTable(["DEVICE", "REGISTERED LOCALE", "TRANSLATION USED", "TITLE SHOWN"], rows)));
  const expected = [WORLD_CUP.title, WORLD_CUP.translations["pt-BR"].title, WORLD_CUP.translations.ja.title];
  phones.forEach(({ device }, i) => check(titleOf(device) === expected[i], `${device.name} was not sent its language's title`));
}

/** Step 8: an inbox notification: the entry arrives, the iPhone's badge counts it, the open reads it and is counted. */
async function inboxSend(emulators: Emulators, db: Firestore, run: string, ada: { uid: string; idToken: string; iphone: DemoDevice }) {
  step(8, "An in-app inbox notification: the entry arrives, she opens it on her iPhone, the open is counted");
  const ref = db.collection(NOTIFICATIONS).doc(`demo-${run}-inbox`);
  const notification: NotificationRequest = { userId: ada.uid, title: "Your order has shipped", inbox: true, apns: { badge: "unread" } };
  await ref.set(notification);
  console.log(`      ${ref.path}: ${JSON.stringify(notification)}`);
  const outcome = await waitForOutcome(ref, { timeoutMs: 60_000, label: "      waiting for the send:" });
  check(outcome?.status === "sent", `expected the inbox notification to end sent, got ${outcome?.status}`);
  const entryRef = db.doc(`users/${ada.uid}/inbox/${ref.id}`);
  const entry = (await entryRef.get()).data();
  check(entry?.title === notification.title && entry.readAt === null, "the inbox entry did not arrive unread");
  const sent = await db.collection(SANDBOX_OUTBOX).where("notificationId", "==", ref.id).get();
  const badge = sent.docs.map((d) => d.data()).find((o) => o.deviceId === ada.iphone.deviceId)?.message?.apns?.payload?.aps?.badge;
  console.log(`      ${entryRef.path}: "${entry.title}", unread; the iPhone's badge: ${badge} (her unread entries)`);
  check(typeof badge === "number" && badge >= 1, "the iPhone did not get the unread badge");
  const report = { notificationId: ref.id, event: "opened", ...ada.iphone.address };
  const { recorded } = await callFunction<{ recorded: boolean }>(emulators, "reportEvent", report, ada.idToken);
  console.log(`      she taps it: reportEvent { notificationId, event: "opened", token } -> recorded: ${recorded}`);
  const read = (await entryRef.get()).data();
  const engagement = (await ref.get()).get("engagement");
  console.log(
    `      the entry is read (readAt ${read?.readAt?.toDate().toISOString()}); engagement: ${JSON.stringify({ received: engagement?.received, opened: engagement?.opened })}`,
  );
  check(recorded && read?.readAt !== null, "the open was not recorded or did not mark the entry read");
  check(engagement?.opened === 1 && engagement?.received === 1, "the open was not counted in engagement");
}

async function demo(emulators: Emulators, db: Firestore): Promise<void> {
  // A fresh suffix per run: the demo can run again on the same emulators, and next to tests.
  const run = randomUUID().slice(0, 8);
  const devices: DemoDevice[] = [
    { type: "ios", name: "Ada's iPhone", address: { token: `demo-${run}-ios` } },
    // Registered by its Firebase Installation ID (firebase-messaging 25.1.2's onRegistered).
    { type: "android", name: "Ada's Pixel", address: { fid: `demo-${run}-android-fid` } },
    { type: "web", name: "Firefox on Ada's laptop", address: { token: `demo-${run}-web` } },
    // The sandbox answers this prefix as FCM answers an uninstalled app.
    { type: "android", name: "Old tablet", address: { token: `sandbox-unregistered-${run}` } },
  ];
  const [iphone, pixel, laptop, tablet] = devices as [DemoDevice, DemoDevice, DemoDevice, DemoDevice];

  console.log(`pushfan demo on the emulators (project ${emulators.projectId}, functions at ${emulators.functions})`);

  step(1, "A user signs up (Auth emulator REST API, as the client SDKs do)");
  const email = `ada-${run}@pushfan.test`;
  const { uid, idToken } = await signUp(emulators, email, "pushfan-demo");
  console.log(`      ${email} → uid ${uid}`);

  step(2, "Her apps register four devices through the registerDevice callable (one by its FID, three by token)");
  for (const device of devices) {
    const { type, name, address } = device;
    const res = await callFunction<RegisterDeviceResponse>(emulators, "registerDevice", { ...address, type, name }, idToken);
    check(res.created, `registerDevice did not create ${name}`);
    device.deviceId = res.deviceId;
  }
  console.log(
    indent(
      formatTable(
        ["PLATFORM", "NAME", "DEVICE ID", "IDENTIFIED BY"],
        devices.map((d) => [PLATFORM[d.type], d.name, `${d.deviceId!.slice(0, 12)}…`, `${KIND_LABELS[kindOf(d.address)]} ${identifierOf(d.address)}`]),
      ),
    ),
  );
  console.log(`      (the token ${identifierOf(tablet.address)} makes the sandbox answer as FCM does for an uninstalled app)`);

  step(3, "An admin sends her a notification with an image (writes a notifications document)");
  const notification: NotificationRequest = {
    userId: uid,
    title: "Welcome, Ada",
    body: "Your devices are set up.",
    imageUrl: IMAGE,
    data: { screen: "welcome" },
  };
  const ref = db.collection(NOTIFICATIONS).doc(`demo-${run}`);
  await ref.set(notification);
  console.log(`      ${ref.path}: ${JSON.stringify(notification)}`);
  const outcome = await waitForOutcome(ref, { timeoutMs: 60_000, label: "      waiting for the fan-out:" });
  check(outcome !== undefined, "the fan-out did not finish within 60 s");
  check(outcome.status === "partial", `expected status partial (3 sent, 1 removed), got ${outcome.status}`);

  step(4, "Each device's outcome (notifications/{id}/deliveries)");
  const deliveries = await readDeliveries(ref);
  const outcomeOf = (d: DemoDevice) => deliveries.find((x) => x.deviceId === d.deviceId);
  console.log(
    indent(
      formatTable(
        ["DEVICE", "PLATFORM", "OUTCOME"],
        devices.map((d) => {
          const delivery = outcomeOf(d);
          return [d.name, PLATFORM[d.type], delivery ? `${delivery.status}${delivery.error ? ` (${delivery.error.code})` : ""}` : "no delivery"];
        }),
      ),
    ),
  );
  const s = outcome.stats!;
  console.log(`      status ${outcome.status}: ${s.sent} sent, ${s.removed} removed, ${s.failed} failed of ${s.devices} devices`);
  for (const d of [iphone, pixel, laptop]) check(outcomeOf(d)?.status === "sent", `${d.name} was not sent the notification`);
  check(outcomeOf(tablet)?.status === "removed", "the old tablet's delivery is not recorded as removed");

  // The sandbox stores the exact firebase-admin Message FCM would have received.
  const outbox = await db.collection(SANDBOX_OUTBOX).where("notificationId", "==", ref.id).where("outcome", "==", "sent").limit(1).get();
  check(!outbox.empty, "no sent message in the sandbox outbox");
  const message = outbox.docs[0]!.get("message");
  const imageFields: Array<[string, unknown]> = [
    ["notification.imageUrl", message.notification?.imageUrl],
    ["android.notification.imageUrl", message.android?.notification?.imageUrl],
    ["apns.fcmOptions.imageUrl", message.apns?.fcmOptions?.imageUrl],
    ["webpush.notification.image", message.webpush?.notification?.image],
    ["data.imageUrl", message.data?.imageUrl],
  ];
  console.log("      The image in the message FCM would have received (sandboxOutbox):");
  console.log(
    indent(
      formatTable(
        ["FIELD", "VALUE"],
        imageFields.map(([field, value]) => [field, String(value)]),
      ),
    ),
  );
  console.log(`      apns.payload.aps.mutable-content = ${message.apns?.payload?.aps?.["mutable-content"]} (lets an iOS extension attach the image)`);
  for (const [field, value] of imageFields) check(value === IMAGE, `${field} is ${String(value)}, not the image`);
  const toPixel = await db.collection(SANDBOX_OUTBOX).where("notificationId", "==", ref.id).where("deviceId", "==", pixel.deviceId).get();
  const pixelMessage = toPixel.docs[0]?.get("message");
  console.log(`      ${pixel.name}'s message targets its FID: message.fid = ${pixelMessage?.fid} (the others: message.token)`);
  check(pixelMessage?.fid === pixel.address.fid && pixelMessage?.token === undefined, `${pixel.name}'s message does not target its FID`);

  step(5, "The dead device is gone (GET /v1/devices with her ID token)");
  const afterSend = await listDevices(emulators, idToken);
  console.log(
    indent(
      formatTable(
        ["NAME", "PLATFORM", "ACTIVE"],
        afterSend.map((d) => [d.name ?? "", PLATFORM[d.type], String(d.active)]),
      ),
    ),
  );
  check(!afterSend.some((d) => d.deviceId === tablet.deviceId), "the old tablet is still registered");
  check(afterSend.length === 3, `expected 3 devices left, found ${afterSend.length}`);
  console.log(`      "${tablet.name}" was deleted when FCM reported its token unregistered.`);

  await topicSend(emulators, db, idToken, run, { iphone, pixel, laptop });
  await languagesSend(emulators, db, run, { idToken, iphone });

  await inboxSend(emulators, db, run, { uid, idToken, iphone });

  step(9, "Time passes: she logs out in Firefox, and the Pixel stops checking in");
  await callFunction(emulators, "registerDevice", { ...laptop.address, type: laptop.type, active: false }, idToken);
  console.log(`      registerDevice { active: false } for "${laptop.name}": logged out, it no longer receives notifications`);
  // Weeks cannot pass in a demo: the admin moves the clocks of two devices back instead.
  const now = Date.now();
  await db.doc(`users/${uid}/devices/${laptop.deviceId}`).update({ updatedAt: Timestamp.fromMillis(now - 31 * DAY_MS) });
  await db.doc(`users/${uid}/devices/${pixel.deviceId}`).update({ lastSeenAt: Timestamp.fromMillis(now - 61 * DAY_MS) });
  console.log(`      (simulated in Firestore: "${laptop.name}" logged out 31 days ago, "${pixel.name}" last seen 61 days ago)`);

  step(10, `The purge runs (logged out for > ${PURGE.inactiveRetentionDays} days, or unseen for > ${PURGE.staleDeviceDays} days)`);
  console.log("      Its structured log line, as Cloud Logging receives it:");
  // The same purgeDevices the scheduled function runs, called directly: the emulator's HTTP trigger
  // for a schedule answers without the summary, which is what this step shows.
  const summary = await purgeDevices({ db }, PURGE);
  console.log(
    indent(
      formatTable(
        ["SUMMARY", ""],
        Object.entries(summary).map(([key, value]) => [key, String(value)]),
      ),
    ),
  );
  const left = await listDevices(emulators, idToken);
  console.log(`      Devices left: ${left.map((d) => `${d.name} (${PLATFORM[d.type]})`).join(", ") || "none"}`);
  check(summary.complete, "the purge did not complete");
  check(summary.inactive >= 1 && summary.stale >= 1, "the purge did not delete both an inactive and a stale device");
  check(left.length === 1 && left[0]!.deviceId === iphone.deviceId, `expected only ${iphone.name} to remain`);

  console.log(`
Done: every step behaved as the contract says.
Next: \`npm start\` keeps the emulators up with demo data; \`npm run send -- --help\`; client guides in docs/CLIENTS.md.`);
}

async function main(): Promise<number> {
  const emulators = await findEmulators();
  const db = getFirestore(initializeApp({ projectId: emulators.projectId }));
  try {
    await demo(emulators, db);
    return 0;
  } finally {
    await db.terminate();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const what = error instanceof DemoFailure ? "Demo failed" : "Demo stopped by an error";
    console.error(`\n${what}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
