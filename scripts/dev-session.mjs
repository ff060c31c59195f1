// Runs inside `firebase emulators:exec` for `npm start`: prints what a client needs, then keeps the
// emulators up until Ctrl-C.
const project = process.env.GCLOUD_PROJECT || "demo-pushfan";
const functions = `http://127.0.0.1:5001/${project}/us-central1`;
const ui = process.env.PUSHFAN_UI_URL;

console.log(`
pushfan is running on the Firebase emulators (project ${project}).

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
