// Signing in: an admin reaches the console; anyone else is told why not and can sign out.
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../helpers/emulator";
import { launchBrowser, type TestBrowser } from "./browser";
import { createConsoleAdmin, expectAccessible, heading, openConsole, screenshot, signIn, waitForText } from "./console-app";

let testBrowser: TestBrowser;
let browser: Browser;

beforeAll(async () => {
  testBrowser = await launchBrowser();
  browser = testBrowser.browser;
});

afterAll(async () => {
  await testBrowser?.close();
});

describe("signing in to the console", () => {
  it("lets an admin in, to the notifications", async () => {
    const admin = await createConsoleAdmin();
    const { page, errors, close } = await openConsole(browser);
    await page.waitForSelector("#field-email");
    expect(await heading(page)).toBe("Sign in");
    await expectAccessible(page, "the sign-in page");
    await screenshot(page, "sign-in");

    await signIn(page, admin);
    await waitForText(page, "h1", "Notifications");
    expect(await page.$eval("header", (h) => h.textContent)).toContain(admin.email);
    await expectAccessible(page, "the notifications page");
    expect(errors).toEqual([]);
    await close();
  });

  it("refuses a signed-in user without the admin claim, says why, and signs them out", async () => {
    const user = await createUser({ prefix: "console-plain" });
    const { page, errors, close } = await openConsole(browser);
    await signIn(page, user);
    await waitForText(page, "h1", "This account is not an admin");
    const text = await page.$eval("main", (m) => m.textContent ?? "");
    expect(text).toContain(user.email);
    expect(text).toContain(user.uid);
    expect(text).toContain("admin");
    expect(await page.$("nav")).toBeNull();
    await expectAccessible(page, "the not-an-admin page");
    await screenshot(page, "not-admin");

    await page.click("button");
    await waitForText(page, "h1", "Sign in");
    expect(errors).toEqual([]);
    await close();
  });

  it("reports a wrong password", async () => {
    const admin = await createConsoleAdmin();
    const { page, close } = await openConsole(browser);
    await signIn(page, { email: admin.email, password: "not-the-password" });
    expect(await waitForText(page, "[role=alert]", "Wrong email or password")).toBeTruthy();
    expect(await heading(page)).toBe("Sign in");
    await close();
  });
});
