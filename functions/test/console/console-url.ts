// Where the Hosting emulator serves the console: firebase.json's emulators.hosting.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const firebaseJson = JSON.parse(readFileSync(fileURLToPath(new URL("../../../firebase.json", import.meta.url)), "utf8"));
const { host, port } = firebaseJson.emulators.hosting;

export const CONSOLE_URL = `http://${host}:${port}`;
