// Set by vite.config.ts from firebase.json and .firebaserc.
declare const __PUSHFAN_EMULATORS__: {
  projectId: string;
  /** e.g. http://127.0.0.1:9099 */
  auth: string;
  firestore: { host: string; port: number };
  functions: { host: string; port: number };
};
