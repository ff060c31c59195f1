// Demo data for `npm start`: an admin and a demo user in the Auth emulator, and the demo user's
// iOS, Android and web sandbox devices registered through the real registerDevice callable (the
// Android one by its Firebase Installation ID, as the current SDKs register, the others by token).
// Fixed uids, emails, tokens and FID make it idempotent: run it again and nothing is duplicated.
import { initializeApp } from "firebase-admin/app";
import { type Auth, getAuth } from "firebase-admin/auth";
import type { DeviceType, RegisterDeviceRequest, RegisterDeviceResponse } from "../src/types.js";
import { callFunction, findEmulators, signIn } from "./shared/emulators.js";
import { formatTable, startProgress } from "./shared/output.js";

interface DemoAccount {
  uid: string;
  email: string;
  password: string;
  displayName: string;
}

const DEMO_ADMIN: DemoAccount = { uid: "demo-admin", email: "admin@pushfan.test", password: "pushfan-admin", displayName: "Demo Admin" };
const DEMO_USER: DemoAccount = { uid: "demo-user", email: "demo@pushfan.test", password: "pushfan-demo", displayName: "Demo User" };
const DEMO_DEVICES: Array<RegisterDeviceRequest & { type: DeviceType; name: string }> = [
  { token: "demo-ios-token", type: "ios", name: "Demo iPhone" },
  { fid: "demo-android-fid", type: "android", name: "Demo Pixel" },
  { token: "demo-web-token", type: "web", name: "Demo Chrome" },
];
const DEMO_IMAGE = "https://picsum.photos/seed/pushfan/1024/512";

/** Creates the account, or resets the password of an existing one, so the printed password is true. */
async function ensureUser(auth: Auth, account: DemoAccount, claims: Record<string, unknown> | null): Promise<string> {
  let uid: string;
  try {
    uid = (await auth.getUserByEmail(account.email)).uid;
    await auth.updateUser(uid, { password: account.password });
  } catch (error) {
    if ((error as { code?: string }).code !== "auth/user-not-found") throw error;
    uid = (await auth.createUser({ ...account, emailVerified: true })).uid;
  }
  await auth.setCustomUserClaims(uid, claims);
  return uid;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

async function main(): Promise<void> {
  const emulators = await findEmulators();
  const auth = getAuth(initializeApp({ projectId: emulators.projectId }));

  const progress = startProgress("Seeding demo data:");
  let adminUid: string;
  let userUid: string;
  const registered: string[][] = [];
  try {
    progress.update("users");
    adminUid = await ensureUser(auth, DEMO_ADMIN, { admin: true });
    userUid = await ensureUser(auth, DEMO_USER, null);
    const { idToken } = await signIn(emulators, DEMO_USER.email, DEMO_USER.password);
    for (const [i, device] of DEMO_DEVICES.entries()) {
      progress.update(`device ${i + 1}/${DEMO_DEVICES.length}`);
      const { deviceId, created } = await callFunction<RegisterDeviceResponse>(emulators, "registerDevice", device, idToken);
      const by = device.fid !== undefined ? `FID ${device.fid}` : `token ${device.token}`;
      registered.push([device.type, device.name, `${deviceId.slice(0, 12)}…`, by, created ? "registered" : "already there, refreshed"]);
    }
  } catch (error) {
    progress.stop("failed");
    throw error;
  }
  progress.stop("done");

  console.log(`
Demo accounts (Auth emulator; sign in with email and password):
${formatTable(
  ["ROLE", "EMAIL", "PASSWORD", "UID"],
  [
    ["admin (claim admin: true)", DEMO_ADMIN.email, DEMO_ADMIN.password, adminUid],
    ["demo user", DEMO_USER.email, DEMO_USER.password, userUid],
  ],
)}

The demo user's sandbox devices (registered through registerDevice):
${formatTable(["PLATFORM", "NAME", "DEVICE", "IDENTIFIED BY", "SEED"], registered)}

Send the demo user a notification (in another terminal):
  npm run send -- --user ${quote(userUid)} --title "Hello" --image ${DEMO_IMAGE}`);
}

main().catch((error: unknown) => {
  console.error(`seed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
