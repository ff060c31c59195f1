// Runs inside `firebase emulators:exec` for `npm start`: seeds the demo data, prints what a client
// needs, then keeps the emulators up until Ctrl-C.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The seed is a compiled tool (functions/tools/seed.ts): it registers the demo devices through the
// real registerDevice callable, so a broken registration shows up here, not later in a client.
const seed = spawnSync(process.execPath, [fileURLToPath(new URL("../functions/lib/tools/seed.js", import.meta.url))], { stdio: "inherit" });
if (seed.status !== 0) {
  console.error("\n[pushfan] The demo data could not be seeded (see above); the emulators keep running without it.");
}

const project = process.env.GCLOUD_PROJECT || "demo-pushfan";
const functions = `http://127.0.0.1:5001/${project}/us-central1`;
const ui = process.env.PUSHFAN_UI_URL;
const hosting = JSON.parse(readFileSync(new URL("../firebase.json", import.meta.url), "utf8")).emulators.hosting;
const consoleUrl = `http://${hosting.host}:${hosting.port}`;

console.log(`
pushfan is running on the Firebase emulators (project ${project}).

  Admin console               ${consoleUrl}
                              sign in as admin@pushfan.test / pushfan-admin
  registerDevice (callable)   ${functions}/registerDevice
  unregisterDevice (callable) ${functions}/unregisterDevice
  api (HTTPS)                 ${functions}/api/v1/devices
  Auth emulator               http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}
  Firestore emulator          http://${process.env.FIRESTORE_EMULATOR_HOST}
${ui ? `  Emulator UI                 ${ui}\n` : "  Emulator UI                 not started (it needs a download; offline it is left out)\n"}
Client SDKs: connectAuthEmulator(auth, "http://127.0.0.1:9099"),
             connectFunctionsEmulator(functions, "127.0.0.1", 5001),
             connectFirestoreEmulator(db, "127.0.0.1", 8080).

Press Ctrl-C to stop.`);

setInterval(() => {}, 1 << 30);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
