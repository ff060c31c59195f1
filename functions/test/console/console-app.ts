// Driving the console in the browser: a file's browser and users, a fresh page per test (signed out,
// or signed in as the admin), waiting for what the page shows, the accessibility check, screenshots,
// and the users and devices tests need.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "puppeteer-core";
import { afterAll, beforeAll, expect } from "vitest";
import { callFunction, createUser, type TestUser, uniqueId } from "../helpers/emulator";
import { launchBrowser, type TestBrowser } from "./browser";
import { CONSOLE_URL } from "./console-url";

export { CONSOLE_URL };

// The functions given to page.evaluate run in the page. The functions' tsconfig has no DOM library
// (their code runs on Node), so the few page globals used here are declared for this module only.
declare const document: {
  querySelectorAll(selector: string): Iterable<{ textContent: string | null }>;
  querySelector(selector: string): { value: string; dispatchEvent(event: object): void } | null;
  activeElement: { blur(): void } | null;
  images: Iterable<{ complete: boolean; naturalWidth: number }>;
};
declare const location: { hash: string };
declare const window: object;
declare function scrollTo(x: number, y: number): void;
declare const Event: new (type: string, init: { bubbles: boolean }) => object;

const SCREENSHOTS = fileURLToPath(new URL("../../../test-results/screenshots/", import.meta.url));
const AXE_SOURCE: string = createRequire(import.meta.url)("axe-core").source;

export interface ConsolePage {
  page: Page;
  /** Uncaught exceptions and console errors of the page, which a test expects to stay empty. */
  errors: string[];
  close(): Promise<void>;
}

/** A page in its own browser context: no sign-in is shared between tests. */
export async function openConsole(browser: Browser, hash = ""): Promise<ConsolePage> {
  const context: BrowserContext = await browser.createBrowserContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.goto(`${CONSOLE_URL}/${hash}`);
  return { page, errors, close: () => context.close() };
}

export async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.waitForSelector("#field-email");
  await page.type("#field-email", user.email);
  await page.type("#field-password", user.password);
  await page.click("button[type=submit]");
}

export interface ConsoleSuite {
  browser: Browser;
  admin: TestUser;
  recipient: Recipient;
  /** A fresh page signed in as `admin`, on the notifications list, then at `hash` if given. */
  openAsAdmin(hash?: string): Promise<ConsolePage>;
}

/**
 * Sets up what a test file's tests share: before them, a browser, an admin and a recipient with
 * three devices; after them, the browser closed. Call it at the top of the file; the fields are
 * set once the tests run.
 */
export function consoleSuite(): ConsoleSuite {
  let testBrowser: TestBrowser | undefined;
  const suite = {
    async openAsAdmin(hash = "") {
      const opened = await openConsole(suite.browser);
      await signIn(opened.page, suite.admin);
      await waitForText(opened.page, "h1", "Notifications");
      if (hash) await go(opened.page, hash);
      return opened;
    },
  } as ConsoleSuite;
  beforeAll(async () => {
    [testBrowser, suite.admin, suite.recipient] = await Promise.all([launchBrowser(), createConsoleAdmin(), createRecipient()]);
    suite.browser = testBrowser.browser;
  });
  afterAll(async () => {
    await testBrowser?.close();
  });
  return suite;
}

/** Waits until `selector` matches an element whose text contains `text` (every one of them if a list); returns that text. */
/**
 * How long a page may take to show what a test waits for: generous, because the first call of a
 * function after the emulator starts a new worker for it (a cold start, several seconds on 2 busy
 * cores) is part of it. Not a timing assertion: a page that never shows it still fails.
 */
const PAGE_WAIT_MS = 40_000;

export async function waitForText(page: Page, selector: string, text: string | string[], timeout = PAGE_WAIT_MS): Promise<string> {
  const handle = await page.waitForFunction(
    (sel: string, wanted: string[]) => [...document.querySelectorAll(sel)].map((e) => e.textContent ?? "").find((t) => wanted.every((w) => t.includes(w))),
    { timeout },
    selector,
    typeof text === "string" ? [text] : text,
  );
  return (await handle.jsonValue()) as string;
}

/** Sets a field's value at once (as a paste would), for long texts that typing would make slow. */
export async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.evaluate(
    (sel: string, text: string) => {
      const field = document.querySelector(sel);
      if (!field) throw new Error(`no ${sel}`);
      field.value = text;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    },
    selector,
    value,
  );
}

export const currentRoute = (page: Page) => page.evaluate(() => location.hash);

/** Waits for the console to show a route starting with `prefix` (e.g. `#/notifications/`); returns the hash. */
export async function waitForRoute(page: Page, prefix: string, timeout = PAGE_WAIT_MS): Promise<string> {
  const handle = await page.waitForFunction((p: string) => location.hash.startsWith(p) && location.hash, { timeout }, prefix);
  return (await handle.jsonValue()) as string;
}

/** Waits until the page has `count` images and all of them have loaded. */
export async function waitForImages(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n: number) => {
      const images = [...document.images];
      return images.length === n && images.every((image) => image.complete && image.naturalWidth > 0);
    },
    { timeout: 10_000 },
    count,
  );
}

/**
 * Answers `https://images.pushfan.test/...` with `png`: the machine is offline, and a notification
 * image is an https URL on someone else's server. Every other request goes through unchanged.
 */
export async function serveImages(page: Page, png: Uint8Array): Promise<void> {
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    if (request.url().startsWith(IMAGE_ORIGIN)) void request.respond({ status: 200, contentType: "image/png", body: png });
    else void request.continue();
  });
}

export const IMAGE_ORIGIN = "https://images.pushfan.test/";

/** A 1024×512 PNG banner, drawn by the browser itself. */
export async function drawBanner(browser: Browser): Promise<Uint8Array> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1024, height: 512 });
  await page.setContent(
    `<body style="margin:0;height:512px;display:grid;place-items:center;background:linear-gradient(120deg,#4f46e5,#ec4899 60%,#f59e0b);font:700 88px system-ui;color:#fff">Summer launch</body>`,
  );
  const png = await page.screenshot({ type: "png" });
  await page.close();
  return png;
}

export const heading = (page: Page) => page.$eval("h1", (h) => h.textContent ?? "");

/** The texts of the elements matching `selector`. */
export const texts = (page: Page, selector: string) => page.$$eval(selector, (elements) => elements.map((e) => e.textContent?.trim() ?? ""));

/** Navigates within the console (hash routes keep the session). */
export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h: string) => (location.hash = h), hash);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** Runs axe-core on the page as it is now; fails on any serious or critical violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  })) as AxeViolation[];
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")})`);
  expect(serious, `accessibility violations on ${what}`).toEqual([]);
}

/**
 * Saves the top of the page, 1000 px wide and `height` tall, to test-results/screenshots/<name>.png
 * (npm run screenshots copies them to docs/img).
 */
export async function screenshot(page: Page, name: string, height = 700): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.setViewport({ width: 1000, height });
  // Neither a blinking caret nor a half-finished transition in the picture.
  await page.evaluate(() => {
    document.activeElement?.blur();
    scrollTo(0, 0);
  });
  await new Promise((resolve) => setTimeout(resolve, 450));
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
  await page.setViewport({ width: 1000, height: 700 });
}

export const createConsoleAdmin = () => createUser({ claims: { admin: true }, prefix: "console-admin" });

export interface Recipient extends TestUser {
  /** The devices' identifiers: FCM tokens, and the Android device's Firebase Installation ID. */
  tokens: string[];
}

const DEVICES = [
  { type: "ios", name: "Ada's iPhone", appVersion: "2.4.0", locale: "en-GB", timezone: "Europe/London", topics: ["news", "offers"] },
  { type: "android", name: "Ada's Pixel", appVersion: "2.4.0", locale: "en-GB", timezone: "Europe/London", topics: ["news"], byFid: true },
  { type: "web", name: "Chrome on a laptop", appVersion: "web-31", locale: "en-GB", timezone: "Europe/London", topics: [] },
] as const;

/** A user with an iOS, an Android (by its FID) and a web device, registered through the real callable. */
export async function createRecipient(): Promise<Recipient> {
  const user = await createUser({ prefix: "console-user" });
  const tokens: string[] = [];
  for (const { byFid, ...device } of DEVICES.map((d) => ({ byFid: false, ...d }))) {
    // Tokens long, like real FCM tokens, so a test can tell a shortened token from a whole one; the
    // FID 22 characters, like a real one.
    const id = byFid ? `console-${uniqueId("").slice(1)}-fid`.padEnd(22, "F") : `${uniqueId(`console-${device.type}`)}-${"x".repeat(120)}`;
    const result = await callFunction("registerDevice", { ...device, topics: [...device.topics], ...(byFid ? { fid: id } : { token: id }) }, user.idToken);
    expect(result.status, result.text).toBe(200);
    tokens.push(id);
  }
  return { ...user, tokens };
}
