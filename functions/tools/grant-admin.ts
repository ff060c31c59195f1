// `npm run grant-admin -- <email> [--project <id>] [--revoke]`: gives a user the `admin: true` custom
// claim the console and the rules look for (or takes it away), keeping the user's other claims. The
// Auth emulator by default; a real project with Application Default Credentials.
import { parseArgs } from "node:util";
import { initializeApp } from "firebase-admin/app";
import { type Auth, getAuth } from "firebase-admin/auth";

const DEFAULT_AUTH_EMULATOR = "127.0.0.1:9099";
const DEFAULT_PROJECT = "demo-pushfan";

export const GRANT_ADMIN_USAGE = `Usage: npm run grant-admin -- <email> [--project <id>] [--revoke]

Sets the custom claim admin: true on the user with this email (--revoke removes it), keeping the
user's other claims. The user gets it with their next ID token: sign out and in again.
  --project <id>   a real project, with Application Default Credentials
                   (gcloud auth application-default login); default: the Auth emulator
                   (FIREBASE_AUTH_EMULATOR_HOST, else ${DEFAULT_AUTH_EMULATOR}, project ${DEFAULT_PROJECT})
  --revoke         remove the claim instead`;

interface Args {
  email: string;
  project?: string;
  revoke: boolean;
}

function parse(argv: string[]): Args | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { project: { type: "string" }, revoke: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return "help";
  if (positionals.length !== 1 || !positionals[0]!.includes("@")) throw new Error("give exactly one email address");
  return { email: positionals[0]!, project: values.project, revoke: values.revoke! };
}

/** The Auth client for the target: the emulator unless --project names a real project. */
function authFor(project: string | undefined, env: NodeJS.ProcessEnv): { auth: Auth; where: string } {
  if (!project || env.FIREBASE_AUTH_EMULATOR_HOST) {
    env.FIREBASE_AUTH_EMULATOR_HOST ||= DEFAULT_AUTH_EMULATOR;
    env.METADATA_SERVER_DETECTION ||= "none";
    const projectId = project ?? env.GCLOUD_PROJECT ?? DEFAULT_PROJECT;
    return { auth: getAuth(initializeApp({ projectId })), where: `project ${projectId}, Auth emulator ${env.FIREBASE_AUTH_EMULATOR_HOST}` };
  }
  return { auth: getAuth(initializeApp({ projectId: project })), where: `project ${project}` };
}

/** Sets or removes the claim; returns the line to print. */
export async function grantAdmin(auth: Auth, email: string, revoke: boolean): Promise<string> {
  const user = await auth.getUserByEmail(email);
  const { admin: _previous, ...others } = user.customClaims ?? {};
  await auth.setCustomUserClaims(user.uid, revoke ? others : { ...others, admin: true });
  return `${revoke ? "Removed admin from" : "Granted admin to"} ${email} (uid ${user.uid}). It takes effect with their next ID token: sign out and in again.`;
}

async function main(): Promise<number> {
  let args: Args | "help";
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${GRANT_ADMIN_USAGE}`);
    return 2;
  }
  if (args === "help") {
    console.log(GRANT_ADMIN_USAGE);
    return 0;
  }
  const { auth, where } = authFor(args.project, process.env);
  try {
    console.log(`${await grantAdmin(auth, args.email, args.revoke)} (${where})`);
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    console.error(
      code === "auth/user-not-found"
        ? `No user with the email ${args.email} (${where}). They must sign in once first.`
        : `grant-admin failed (${where}): ${(error as Error).message}`,
    );
    return 1;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
