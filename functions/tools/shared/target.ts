// Where an admin tool (send, purge) writes: the running emulators by default, a real project with
// Application Default Credentials when `--project` names one.
import { initializeApp } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";

const DEFAULT_EMULATOR_HOST = "127.0.0.1:8080";
const DEFAULT_PROJECT = "demo-pushfan";

export interface Target {
  projectId: string;
  /** host:port of the Firestore emulator; undefined for a real project. */
  emulatorHost?: string;
}

/**
 * The emulators unless --project names a real project. FIRESTORE_EMULATOR_HOST wins even then,
 * because firebase-admin always honours it; the tool says so instead of surprising anyone.
 */
export function targetOf(project: string | undefined, env: NodeJS.ProcessEnv): Target {
  const emulatorHost = env.FIRESTORE_EMULATOR_HOST;
  if (emulatorHost) {
    if (project && !project.startsWith("demo-")) {
      console.error(`Note: FIRESTORE_EMULATOR_HOST=${emulatorHost} is set, so this goes to the emulator, not to the real ${project}.`);
      console.error("      Unset FIRESTORE_EMULATOR_HOST to reach the real project.");
    }
    return { projectId: project ?? env.GCLOUD_PROJECT ?? DEFAULT_PROJECT, emulatorHost };
  }
  if (project) return { projectId: project };
  return { projectId: env.GCLOUD_PROJECT ?? DEFAULT_PROJECT, emulatorHost: DEFAULT_EMULATOR_HOST };
}

/** Fails fast with the fix: against a stopped emulator the Firestore client would retry for minutes. */
async function emulatorReachable(host: string): Promise<boolean> {
  try {
    await fetch(`http://${host}/`, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

/** Firestore for the target, or undefined after saying why it cannot be reached. */
export async function openFirestore(target: Target): Promise<Firestore | undefined> {
  if (target.emulatorHost) {
    if (!(await emulatorReachable(target.emulatorHost))) {
      console.error(`Cannot reach the Firestore emulator at ${target.emulatorHost}.`);
      console.error("Start the emulators with `npm start` in another terminal, or pass --project <id> for a real project.");
      return undefined;
    }
    process.env.FIRESTORE_EMULATOR_HOST = target.emulatorHost;
    // Without credentials firebase-admin probes for a Google Cloud metadata server, and offline that
    // ends in a MetadataLookupWarning in the middle of the output. The emulator needs no credentials.
    process.env.METADATA_SERVER_DETECTION ||= "none";
  }
  return getFirestore(initializeApp({ projectId: target.projectId }));
}
