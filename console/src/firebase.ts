// Connects the console to Firebase: on Firebase Hosting, to the project that serves it; on this
// machine (localhost), to the emulators of the demo project. The console has no backend of its own:
// it reads and writes Firestore under the security rules, as the signed-in admin.
import { type FirebaseOptions, initializeApp } from "firebase/app";
import { type Auth, connectAuthEmulator, getAuth } from "firebase/auth";
import { connectFirestoreEmulator, type Firestore, getFirestore } from "firebase/firestore";
import { connectFunctionsEmulator, type Functions, getFunctions } from "firebase/functions";
import { createContext } from "preact";
import { useContext } from "preact/hooks";

export interface Services {
  auth: Auth;
  db: Firestore;
  /** pushfan's callables (the admin-only lookupUser), in the functions' region. */
  functions: Functions;
  projectId: string;
  /** True when talking to the Emulator Suite rather than a real project. */
  emulated: boolean;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** Where pushfan's functions run (functions/src/notifications/trigger.ts, REGION). */
const REGION = "us-central1";

/** Firebase Hosting answers this reserved URL with the web config of the project it serves. */
async function hostingConfig(): Promise<FirebaseOptions> {
  const response = await fetch("/__/firebase/init.json");
  if (!response.ok) {
    throw new Error(
      `Could not load the Firebase configuration from /__/firebase/init.json (HTTP ${response.status}). ` +
        "Serve the console with Firebase Hosting, or open it on localhost with `npm start`.",
    );
  }
  return response.json();
}

function connectEmulators(): Services {
  const emulators = __PUSHFAN_EMULATORS__;
  // The emulators accept any API key; a demo- project id can never reach a real project.
  const app = initializeApp({ projectId: emulators.projectId, apiKey: "demo-api-key" });
  const auth = getAuth(app);
  // The header says "Emulators" instead of the SDK's banner, which covers the page's bottom.
  connectAuthEmulator(auth, emulators.auth, { disableWarnings: true });
  const db = getFirestore(app);
  connectFirestoreEmulator(db, emulators.firestore.host, emulators.firestore.port);
  const functions = getFunctions(app, REGION);
  connectFunctionsEmulator(functions, emulators.functions.host, emulators.functions.port);
  return { auth, db, functions, projectId: emulators.projectId, emulated: true };
}

export async function connectFirebase(hostname = location.hostname): Promise<Services> {
  if (LOCAL_HOSTS.has(hostname)) return connectEmulators();
  const options = await hostingConfig();
  const app = initializeApp(options);
  return { auth: getAuth(app), db: getFirestore(app), functions: getFunctions(app, REGION), projectId: options.projectId ?? "", emulated: false };
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices() outside <ServicesContext.Provider>");
  return services;
}
