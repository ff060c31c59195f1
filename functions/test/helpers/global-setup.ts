// Fails fast, with the fix, when the emulator suite is run outside `npm test`.
export default function setup() {
  if (!process.env.FIRESTORE_EMULATOR_HOST || !process.env.FIREBASE_AUTH_EMULATOR_HOST) {
    throw new Error("The emulator tests need the Emulator Suite: run `npm test` at the repository root.");
  }
}
