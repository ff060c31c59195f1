// Fails fast, with the fix, when the console tests run without the emulators or the built console.
import { CONSOLE_URL } from "./console-url";

export default async function setup() {
  if (!process.env.FIRESTORE_EMULATOR_HOST || !process.env.FIREBASE_AUTH_EMULATOR_HOST) {
    throw new Error("The console tests need the Emulator Suite: run `npm test` at the repository root.");
  }
  let response: Response;
  try {
    response = await fetch(CONSOLE_URL);
  } catch {
    throw new Error(`The Hosting emulator does not answer at ${CONSOLE_URL}: run \`npm test\` at the repository root, which starts it.`);
  }
  const html = await response.text();
  if (!response.ok || !html.includes('id="app"')) {
    throw new Error(`${CONSOLE_URL} does not serve the console (HTTP ${response.status}); \`npm run build\` builds it into console/dist.`);
  }
}
