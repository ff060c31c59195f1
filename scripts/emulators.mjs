#!/usr/bin/env node
// Runs the Firebase Emulator Suite for pushfan the same way online and offline: finds a Java >= 21,
// uses the Google Cloud CLI's Firestore emulator when firebase-tools cannot download its own, and
// leaves the Emulator UI out when it cannot be had.
//
//   node scripts/emulators.mjs start            emulators + demo data, until Ctrl-C
//   node scripts/emulators.mjs test [args]      build, then the whole vitest suite inside the emulators
//   node scripts/emulators.mjs exec "<command>" build, then any command inside the emulators
//   node scripts/emulators.mjs bench [args]     build, then npm run bench's tool inside the emulators

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const PROJECT_ID = process.env.PUSHFAN_PROJECT_ID || "demo-pushfan";
export const EMULATORS = "auth,firestore,functions,tasks,hosting";
const MIN_JAVA = 21;
const GCLOUD_FIRESTORE_JAR = "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar";
const FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";
const FIREBASE_CACHE = process.env.FIREBASE_EMULATORS_PATH || join(homedir(), ".cache", "firebase", "emulators");

function log(message) {
  console.error(`[pushfan] ${message}`);
}

function fail(message) {
  console.error(`\n[pushfan] ${message}\n`);
  process.exit(1);
}

function javaMajor(javaBin) {
  const out = spawnSync(javaBin, ["-version"], { encoding: "utf8" });
  if (out.error || out.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

function javaCandidates() {
  const homes = [];
  if (process.env.JAVA_HOME) homes.push(process.env.JAVA_HOME);
  for (const dir of (process.env.PATH || "").split(delimiter)) {
    if (dir && existsSync(join(dir, "java"))) homes.push(resolve(dir, ".."));
  }
  const roots = ["/usr/lib/jvm", "/usr/local/opt", "/opt/homebrew/opt", "/Library/Java/JavaVirtualMachines", join(homedir(), ".sdkman/candidates/java")];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort().reverse()) {
      homes.push(join(root, name), join(root, name, "Contents", "Home"), join(root, name, "libexec", "openjdk.jdk", "Contents", "Home"));
    }
  }
  return [...new Set(homes)].filter((home) => existsSync(join(home, "bin", "java")));
}

/** The first Java >= 21 found in JAVA_HOME, PATH or the usual JDK folders. */
export function findJava() {
  const seen = [];
  for (const home of javaCandidates()) {
    const major = javaMajor(join(home, "bin", "java"));
    seen.push(`${home} (${major ?? "unknown version"})`);
    if (major !== undefined && major >= MIN_JAVA) return { home, major };
  }
  fail(
    `The Firestore emulator needs Java ${MIN_JAVA} or newer, and none was found.\n` +
      `Looked at: ${seen.length ? seen.join(", ") : "JAVA_HOME, PATH and the usual JDK folders (nothing there)"}.\n` +
      `Install a JDK ${MIN_JAVA}+ (e.g. 'apt-get install openjdk-21-jre-headless', 'brew install openjdk@21', or https://adoptium.net)\n` +
      `and either put it first on PATH or set JAVA_HOME to it.`,
  );
}

function firebaseToolsFirestoreJar() {
  const info = JSON.parse(readFileSync(join(ROOT, "node_modules/firebase-tools/lib/emulator/downloadableEmulatorInfo.json"), "utf8"));
  return join(FIREBASE_CACHE, info.firestore.downloadPathRelativeToCacheDir);
}

/**
 * firebase-tools starts the Firestore emulator as `java -jar <jar>`, and the Cloud CLI's jar has no
 * Main-Class. A manifest-only launcher jar whose Class-Path points at it fills that gap.
 */
function gcloudLauncherJar(java) {
  const dir = join(ROOT, ".cache", "firestore-emulator");
  const launcher = join(dir, "cloud-firestore-emulator-launcher.jar");
  if (existsSync(launcher)) return launcher;
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, "MANIFEST.MF");
  writeFileSync(manifest, `Manifest-Version: 1.0\nMain-Class: ${FIRESTORE_MAIN_CLASS}\nClass-Path: file:${GCLOUD_FIRESTORE_JAR}\n`);
  const jarTool = join(java.home, "bin", "jar");
  if (!existsSync(jarTool)) fail(`Cannot build the Firestore emulator launcher: ${jarTool} is missing (install a full JDK, not only a JRE).`);
  execFileSync(jarTool, ["cfm", launcher, manifest], { stdio: "inherit" });
  return launcher;
}

/** The environment in which firebase-tools finds Java, the Firestore emulator and Node 22. */
export function emulatorEnv() {
  const java = findJava();
  const env = { ...process.env, JAVA_HOME: java.home };
  const bins = [join(ROOT, "node_modules", ".bin"), join(java.home, "bin")];
  env.PATH = [...bins, env.PATH].join(delimiter);
  if (!env.FIRESTORE_EMULATOR_BINARY_PATH) {
    if (existsSync(firebaseToolsFirestoreJar())) {
      log("Firestore emulator: firebase-tools' cached jar");
    } else if (existsSync(GCLOUD_FIRESTORE_JAR)) {
      env.FIRESTORE_EMULATOR_BINARY_PATH = gcloudLauncherJar(java);
      log(`Firestore emulator: Google Cloud CLI's jar (${GCLOUD_FIRESTORE_JAR})`);
    } else {
      log("Firestore emulator: firebase-tools will download it (needs internet once)");
    }
  }
  log(`Java ${java.major} from ${java.home}`);
  return env;
}

async function uiAvailable() {
  if (existsSync(FIREBASE_CACHE) && readdirSync(FIREBASE_CACHE).some((name) => name.startsWith("ui-v"))) return true;
  try {
    await fetch("https://storage.googleapis.com/", { method: "HEAD", signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a command; `filterStdout(child.stdout, process.stdout)`, when given, decides what of its
 * output is shown. Resolves to its exit status. SIGINT/SIGTERM are passed on to it while it runs;
 * once it has exited (its orphans may keep the output pipe open, so "close" can come late or never)
 * a signal ends this wrapper at once, with the child's status.
 */
export function run(command, args, env, filterStdout, { closeGraceMs = 5000 } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["inherit", filterStdout ? "pipe" : "inherit", "inherit"] });
    if (filterStdout) filterStdout(child.stdout, process.stdout);
    let status;
    let grace;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      clearTimeout(grace);
      resolvePromise(status);
    };
    const onSignal = (signal) => {
      if (status === undefined) child.kill(signal);
      else finish();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    child.on("exit", (code, signal) => {
      status = code ?? (signal ? 1 : 0);
      // "close", not "exit", normally: with a piped stdout the last lines may still be in the pipe.
      grace = setTimeout(finish, closeGraceMs);
    });
    child.on("close", (code, signal) => {
      status ??= code ?? (signal ? 1 : 0);
      finish();
    });
    child.on("error", (error) => {
      log(`could not start ${command}: ${error.message}`);
      status = 1;
      finish();
    });
  });
}

function build(env) {
  log("Building the functions (tsc) and the admin console (vite), which the Hosting emulator serves");
  const result = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, env, stdio: "inherit" });
  if (result.status !== 0) fail("The build failed; see the errors above.");
}

function quote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The session's config: firebase.json with the functions' env file read from the FCM fake's folder
 * (`configDir`, so that tests can switch the transport), plus, for the bench, a codebase of the
 * bench's own (its baseline callable), so that nothing of the bench is in what `npm start`,
 * `npm test` or a deploy load. Written next to firebase.json because firebase-tools resolves
 * sources from the config file's folder.
 */
function sessionConfig({ bench, configDir }) {
  const config = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8"));
  config.functions[0].configDir = configDir;
  if (bench) config.functions.push({ source: "functions/tools/bench/baseline", codebase: "bench", runtime: "nodejs22" });
  const path = join(ROOT, bench ? "firebase.bench.json" : "firebase.session.json");
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

/**
 * The FCM fake (functions/tools/fcm-fake, built with the functions): started for every session, so
 * that fake-backed test files can switch to it; PUSHFAN_FCM=fake runs the whole session on it.
 */
async function startFcmFake(env) {
  const { sessionTransport, startFcmFakeSession } = await import(pathToFileURL(join(ROOT, "functions/lib/tools/fcm-fake/session.js")).href);
  let transport;
  try {
    transport = sessionTransport(process.env.PUSHFAN_FCM);
  } catch (error) {
    fail(error.message);
  }
  const session = await startFcmFakeSession({ root: ROOT, projectId: PROJECT_ID, transport }).catch((error) => fail(error.message));
  Object.assign(env, session.env);
  log(
    transport === "fake"
      ? "FCM: the local FCM fake (PUSHFAN_FCM=fake), through firebase-admin"
      : "FCM: the sandbox (the FCM fake listens for the files that switch to it)",
  );
  return session;
}

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * firebase-tools lines that `npm start` leaves out, because they alarm without telling the user
 * anything to do: the Firestore emulator override (pushfan's own "Firestore emulator: ..." line says
 * which jar runs), the message of the day it cannot fetch offline, the functions SDK's discovery
 * port, and the schedule the emulators cannot run (the banner says how to run the purge).
 */
const START_NOISE = [
  /^⚠\s+firestore: Env variable override detected\./u,
  /^⚠\s+Unable to fetch the CLI MOTD and remote config\./u,
  /^Serving at port \d+$/,
  /^i\s+functions\[[\w-]+\]: function ignored because the pubsub emulator does not exist or is not running\.$/u,
];

/**
 * Copies firebase-tools' output without the START_NOISE lines (and the blank line after the port);
 * returns the line reader (closed when the input ends).
 */
export function withoutStartNoise(input, output) {
  let dropBlank = false;
  return createInterface({ input, crlfDelay: Infinity }).on("line", (line) => {
    const plain = line.replace(ANSI, "");
    if (dropBlank && plain.trim() === "") return void (dropBlank = false);
    dropBlank = false;
    if (START_NOISE.some((pattern) => pattern.test(plain))) {
      dropBlank = /^Serving at port/.test(plain);
      return;
    }
    output.write(`${line}\n`);
  });
}

/** Where `npm test` keeps the functions' logs it does not show (git-ignored). */
export const TEST_FUNCTION_LOG = join(ROOT, "test-results", "functions.log");

/**
 * `npm test`'s view of firebase-tools' output: the functions' own log lines (firebase-tools prints
 * them as `>  ...` whatever --log-verbosity says) go to `logFile` instead, so vitest's report reads
 * as one piece; everything else (vitest, firebase-tools' own messages) is kept as it came.
 */
export function withoutFunctionLogs(logFile) {
  return (input, output) => {
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, "");
    const reader = createInterface({ input, crlfDelay: Infinity });
    return reader.on("line", (line) => {
      if (/^> {2}/.test(line.replace(ANSI, ""))) appendFileSync(logFile, `${line.replace(ANSI, "")}\n`);
      else output.write(`${line}\n`);
    });
  };
}

/** Builds the functions and runs `command` inside one emulator session; resolves to its exit code. */
export async function execInEmulators(command, { ui = false, logVerbosity, filterStdout, bench = false } = {}) {
  if (!existsSync(join(ROOT, "node_modules", ".bin", "firebase"))) fail("firebase-tools is not installed: run 'npm install' first.");
  const env = emulatorEnv();
  // A filter reads firebase-tools' output through a pipe: keep its colours on a terminal.
  if (filterStdout && process.stdout.isTTY && env.NO_COLOR === undefined) env.FORCE_COLOR ??= "1";
  const uiConfig = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8")).emulators.ui;
  env.PUSHFAN_UI_URL = ui ? `http://${uiConfig.host}:${uiConfig.port}` : "";
  build(env);
  const fcmFake = await startFcmFake(env);
  const args = ["emulators:exec", "--project", PROJECT_ID, "--only", EMULATORS, "--non-interactive"];
  args.push("--config", sessionConfig({ bench, configDir: relative(ROOT, fcmFake.configDir) }));
  if (ui) args.push("--ui");
  if (logVerbosity) args.push("--log-verbosity", logVerbosity);
  args.push(command);
  log("Starting the emulators (about 30 s)");
  return run("firebase", args, env, filterStdout);
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === "test") {
    const command = ["npm", "--prefix", "functions", "run", "test:emulator", "--", ...rest].map(quote).join(" ");
    // Function logs are noise next to vitest's report: kept in a file (shown inline with
    // PUSHFAN_EMULATOR_LOG=INFO); a failed run says where they are.
    const shown = Boolean(process.env.PUSHFAN_EMULATOR_LOG);
    const filterStdout = shown ? undefined : withoutFunctionLogs(TEST_FUNCTION_LOG);
    const code = await execInEmulators(command, { logVerbosity: process.env.PUSHFAN_EMULATOR_LOG || "QUIET", filterStdout });
    if (code !== 0 && !shown) log(`The functions' logs of this run: ${TEST_FUNCTION_LOG} (PUSHFAN_EMULATOR_LOG=INFO npm test shows them inline)`);
    process.exit(code);
  } else if (mode === "exec" && rest.length > 0) {
    process.exit(await execInEmulators(rest.join(" ")));
  } else if (mode === "bench") {
    const command = ["node", "functions/lib/tools/bench.js", ...rest].map(quote).join(" ");
    process.exit(await execInEmulators(command, { bench: true }));
  } else if (mode === "start") {
    const ui = await uiAvailable();
    if (!ui) log("Emulator UI: not available offline; starting without it");
    const session = ["node", "scripts/dev-session.mjs", ...rest].map(quote).join(" ");
    process.exit(await execInEmulators(session, { ui, filterStdout: process.env.PUSHFAN_EMULATOR_LOG ? undefined : withoutStartNoise }));
  } else {
    fail('usage: node scripts/emulators.mjs start | test [vitest args] | bench [args] | exec "<command>"');
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
