// A headless Chromium for the console tests. Found in this order: CHROME_PATH, the system's
// Chromium or Chrome, then (Linux x64) the Chromium that the @sparticuz/chromium npm package carries,
// so `npm install` alone is enough on a CI machine without a browser. Nothing is downloaded.
import { existsSync, mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { arch, platform, tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

const SYSTEM_BROWSERS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
];

// Without the background-networking flags Chromium keeps calling Google services, which on an
// offline machine means a stream of failing connections next to the page under test.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

// @sparticuz/chromium's defaults are for AWS Lambda. Left out: its single process, in which new
// browser contexts (one per test) crash, and its relaxed web security: the console must work under
// the browser's normal security model.
const UNWANTED_FLAGS = ["--single-process", "--no-zygote", "--disable-web-security", "--allow-running-insecure-content"];

interface BrowserBinary {
  executablePath: string;
  args: string[];
  headless: true | "shell";
  source: string;
}

async function findBrowser(): Promise<BrowserBinary> {
  const chromePath = process.env.CHROME_PATH;
  if (chromePath) {
    if (!existsSync(chromePath)) throw new Error(`CHROME_PATH is ${chromePath}, which does not exist.`);
    return { executablePath: chromePath, args: FLAGS, headless: true, source: "CHROME_PATH" };
  }
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
  if (system) return { executablePath: system, args: FLAGS, headless: true, source: system };
  if (platform() === "linux" && arch() === "x64") {
    const { default: chromium } = await import("@sparticuz/chromium");
    const args = [...chromium.args.filter((flag) => !UNWANTED_FLAGS.includes(flag)), ...FLAGS];
    return { executablePath: await chromium.executablePath(), args, headless: "shell", source: "@sparticuz/chromium" };
  }
  throw new Error(
    "The console tests need Chromium or Google Chrome, and none was found. Install one " +
      "(Debian/Ubuntu: `apt-get install chromium`; macOS: Google Chrome from google.com/chrome), " +
      "or point CHROME_PATH at a Chrome or Chromium binary.",
  );
}

export interface TestBrowser {
  browser: Browser;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/** Launches the browser with a fresh profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  const binary = await findBrowser();
  const userDataDir = mkdtempSync(join(tmpdir(), "pushfan-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: binary.executablePath,
    args: binary.args,
    headless: binary.headless,
    userDataDir,
    defaultViewport: { width: 1000, height: 700 },
  });
  async function close() {
    await browser.close();
    // Chromium's last writes to the profile may trail its exit by a moment.
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
  return { browser, close };
}
