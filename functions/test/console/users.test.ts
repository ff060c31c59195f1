// The Users page: a user found by uid or by email (the admin-only lookupUser callable), their
// account and their devices, with every fact an admin needs, the kind of identifier (FCM token or
// Installation ID) and no whole token or FID.
import { describe, expect, it } from "vitest";
import { uniqueId } from "../helpers/emulator";
import { consoleSuite, expectAccessible, screenshot, texts, waitForRoute, waitForText } from "./console-app";

const suite = consoleSuite();

describe("the users page", () => {
  it("looks up a uid and lists its devices with their kind of identifier, without showing whole tokens or FIDs", async () => {
    const { page, errors, close } = await suite.openAsAdmin("#/users");
    await waitForText(page, "h1", "Users");
    await page.type("#field-uid", suite.recipient.uid);
    await page.click("form[role=search] button[type=submit]");
    expect(await waitForRoute(page, "#/users/")).toBe(`#/users/${suite.recipient.uid}`);
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
    for (const token of suite.recipient.tokens) {
      expect(html).not.toContain(token);
      expect(html).not.toContain(token.slice(0, 20));
    }
    expect(await texts(page, "tbody td:last-child code")).toEqual(["console-…", "console-…", "console-…"]);
    expect(rows.find((r) => r.includes("Ada's Pixel"))).toContain("Installation ID");
    expect(rows.find((r) => r.includes("Ada's iPhone"))).toContain("FCM token");
    expect(rows.find((r) => r.includes("Chrome on a laptop"))).toContain("FCM token");
    await expectAccessible(page, "the users page");
    await screenshot(page, "users");
    expect(errors).toEqual([]);
    await close();
  });

  it("finds a user by email through lookupUser, shows who they are, and says when no user has an email", async () => {
    const { page, errors, close } = await suite.openAsAdmin("#/users");
    await waitForText(page, "h1", "Users");
    await page.type("#field-uid", suite.recipient.email.toUpperCase());
    await page.click("form[role=search] button[type=submit]");
    expect(await waitForRoute(page, "#/users/")).toBe(`#/users/${suite.recipient.uid}`);
    await waitForText(page, "h2", "3 devices");
    expect(await waitForText(page, "section.account", suite.recipient.email)).toContain(suite.recipient.uid);

    const nobody = `${uniqueId("nobody")}@example.com`;
    await page.click("#field-uid", { count: 3 });
    await page.keyboard.press("Backspace");
    await page.type("#field-uid", nobody);
    await page.click("form[role=search] button[type=submit]");
    expect(await waitForText(page, "[role=alert]", "No user has the email")).toContain(nobody);
    await expectAccessible(page, "the users page after an email lookup");
    expect(errors).toEqual([]);
    await close();
  });

  it("says when a uid has no devices", async () => {
    const nobody = uniqueId("nobody");
    const { page, close } = await suite.openAsAdmin(`#/users/${nobody}`);
    const text = await waitForText(page, "[role=status]", "has no registered devices");
    expect(text).toContain(nobody);
    await close();
  });
});
