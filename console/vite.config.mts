// Builds the admin console into console/dist, which Firebase Hosting serves (firebase.json).
// The emulator addresses come from firebase.json at build time, so the console and `npm start`
// can never disagree about ports.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const readJson = (path: string) => JSON.parse(readFileSync(fileURLToPath(new URL(path, import.meta.url)), "utf8"));
const { emulators } = readJson("../firebase.json");
const firebaserc = readJson("../.firebaserc");

const emulatorConfig = {
  projectId: firebaserc.projects.default,
  auth: `http://${emulators.auth.host}:${emulators.auth.port}`,
  firestore: { host: emulators.firestore.host, port: emulators.firestore.port },
  functions: { host: emulators.functions.host, port: emulators.functions.port },
};

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  define: { __PUSHFAN_EMULATORS__: JSON.stringify(emulatorConfig) },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  // The console is served from localhost by the Hosting emulator; Vite's own server is not used.
  clearScreen: false,
});
