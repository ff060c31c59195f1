// The Users page: a user's devices by uid, with every fact an admin needs and no whole token.
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueId } from "../helpers/emulator";
import { launchBrowser, type TestBrowser } from "./browser";
import {
  createConsoleAdmin,
  createRecipient,
  expectAccessible,
  go,
  openConsole,
  screenshot,
  signIn,
  texts,
  waitForRoute,
  waitForText,
  type Recipient,
} from "./console-app";

let testBrowser: TestBrowser;
let browser: Browser;
let admin: { email: string; password: string };
let recipient: Recipient;

beforeAll(async () => {
  [testBrowser, admin, recipient] = await Promise.all([launchBrowser(), createConsoleAdmin(), createRecipient()]);
  browser = testBrowser.browser;
});

afterAll(async () => {
  await testBrowser?.close();
});

describe("the users page", () => {
  it("looks up a uid and lists its devices without showing whole tokens", async () => {
    const { page, errors, close } = await openConsole(browser);
    await signIn(page, admin);
    await waitForText(page, "h1", "Notifications");
    await go(page, "#/users");
    await waitForText(page, "h1", "Users");
    await page.type("#field-uid", recipient.uid);
    await page.click("form[role=search] button[type=submit]");
    expect(await waitForRoute(page, "#/users/")).toBe(`#/users/${recipient.uid}`);
    await waitForText(page, "h2", "3 devices");

    const rows = await texts(page, "tbody tr");
    expect(rows).toHaveLength(3);
    for (const [name, type] of [
      ["Ada's iPhone", "iOS"],
      ["Ada's Pixel", "Android"],
      ["Chrome on a laptop", "Web"],
    ]) {
      const row = rows.find((r) => r.includes(name));
      expect(row, name).toContain(type);
      expect(row, name).toContain("Active");
    }
    expect(rows.find((r) => r.includes("Ada's iPhone"))).toMatch(/news.*offers/);
    expect(rows.find((r) => r.includes("Ada's Pixel"))).toContain("2.4.0 · en-GB · Europe/London");

    const html = await page.content();
    for (const token of recipient.tokens) {
      expect(html).not.toContain(token);
      expect(html).not.toContain(token.slice(0, 20));
    }
    expect(await texts(page, "tbody td:last-child code")).toEqual(["console-…", "console-…", "console-…"]);
    await expectAccessible(page, "the users page");
    await screenshot(page, "users");
    expect(errors).toEqual([]);
    await close();
  });

  it("says when a uid has no devices", async () => {
    const { page, close } = await openConsole(browser);
    await signIn(page, admin);
    await waitForText(page, "h1", "Notifications");
    const nobody = uniqueId("nobody");
    await go(page, `#/users/${nobody}`);
    const text = await waitForText(page, "[role=status]", "has no registered devices");
    expect(text).toContain(nobody);
    await close();
  });
});
