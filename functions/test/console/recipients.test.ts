// Recipient control in the console: the Users page shows a user's preferences; the composer sets
// `category` and `critical` (warning that critical bypasses the users' choices); a notification's
// page counts the devices skipped by reason.
import { describe, expect, it } from "vitest";
import { setPreferences } from "../../src/recipients/store";
import { db, uniqueId } from "../helpers/emulator";
import { consoleSuite, expectAccessible, texts, waitForRoute, waitForText } from "./console-app";

const suite = consoleSuite();

describe("recipient control in the console", () => {
  it("the Users page shows the user's categories off, quiet hours and mute", async () => {
    await setPreferences(db, suite.recipient.uid, {
      categories: { promotions: false, digest: true },
      quietHours: { start: "22:00", end: "07:00" },
      mutedUntil: Date.now() + 3_600_000,
    });
    const { page, errors, close } = await suite.openAsAdmin(`#/users/${suite.recipient.uid}`);
    const section = await waitForText(page, "section[aria-labelledby=preferences-title]", "Categories off");
    expect(section).toContain("promotions");
    expect(section).toContain("digest");
    expect(section).toContain("22:00 to 07:00");
    expect(section).toMatch(/Muted\s*until/);
    await expectAccessible(page, "the users page with preferences");
    expect(errors).toEqual([]);
    await close();
  });

  it("composes a categorised notification: opted-out devices are skipped and counted by reason; critical warns and is written", async () => {
    await setPreferences(db, suite.recipient.uid, { categories: { promotions: false }, quietHours: null, mutedUntil: null });
    const { page, errors, close } = await suite.openAsAdmin("#/compose");
    await waitForText(page, "h1", "Compose");
    await page.type("#field-userId", suite.recipient.uid);
    await page.type("#field-title", `Sale ${uniqueId("c")}`);
    await page.click("::-p-text(Users' choices)");
    await page.type("#field-category", "promotions");
    await page.click("::-p-text(Send notification)");
    const id = decodeURIComponent((await waitForRoute(page, "#/notifications/")).slice("#/notifications/".length));
    await waitForText(page, ".status-card .badge", "No devices", 30_000);
    const table = await waitForText(page, "table", "Opted out of the category");
    expect(table).toMatch(/Opted out of the category\s*3/);
    expect((await texts(page, "tbody td.table__result")).filter((t) => t.includes("Opted out"))).toHaveLength(3);
    expect((await db.doc(`notifications/${id}`).get()).data()).toMatchObject({ category: "promotions", stats: { devices: 3, skipped: 3, sent: 0 } });
    await expectAccessible(page, "a notification with skipped deliveries");

    await page.goto(page.url().replace(/#.*$/, "#/compose"));
    await waitForText(page, "h1", "Compose");
    await page.type("#field-userId", suite.recipient.uid);
    await page.type("#field-title", `Security alert ${uniqueId("c")}`);
    await page.click("::-p-text(Users' choices)");
    await page.type("#field-category", "promotions");
    await page.click("#field-critical");
    expect(await waitForText(page, "[role=status], .alert", "Critical bypasses the user's choices")).toContain("quiet hours");
    await page.click("::-p-text(Send notification)");
    const critical = decodeURIComponent((await waitForRoute(page, "#/notifications/")).slice("#/notifications/".length));
    await waitForText(page, ".status-card .badge", "Sent", 30_000);
    expect((await db.doc(`notifications/${critical}`).get()).data()).toMatchObject({ category: "promotions", critical: true, stats: { sent: 3 } });
    expect(errors).toEqual([]);
    await close();
  });
});
