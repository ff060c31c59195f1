// The notifications list and detail pages: live order and status, the backend's `invalid` details
// by field, a scheduled notification cancelled from its page, and deliveries paged 50 at a time.
import { Timestamp } from "firebase-admin/firestore";
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { DeliveryDocument } from "../../src/types";
import { createUser, db, uniqueId, waitForDoc } from "../helpers/emulator";
import { consoleSuite, expectAccessible, screenshot, texts, waitForRoute, waitForText } from "./console-app";

const suite = consoleSuite();

/** Writes a notification as an admin tool would and waits until the backend has accepted it. */
async function writeNotification(doc: Record<string, unknown>): Promise<string> {
  const ref = await db.collection("notifications").add(doc);
  await waitForDoc(ref.path, (d) => d.createdAt !== undefined);
  return ref.id;
}

const rowTitles = (page: Page) => texts(page, "tbody .table__title a");

describe("the notifications list", () => {
  it("shows the newest first, with readable statuses that change live", async () => {
    const older = `Weekly digest ${uniqueId("n")}`;
    const scheduled = `Tomorrow's deals ${uniqueId("n")}`;
    const invalid = `Broken link ${uniqueId("n")}`;
    const newer = `Flash sale ${uniqueId("n")}`;
    await writeNotification({ userId: suite.recipient.uid, title: older, body: "What happened this week" });
    const scheduledId = await writeNotification({ topic: "offers", title: scheduled, sendAt: Timestamp.fromMillis(Date.now() + 86_400_000) });
    await writeNotification({ broadcast: true, title: invalid, link: "http://shop.example.com" });
    const { page, errors, close } = await suite.openAsAdmin("");
    await waitForText(page, "tbody tr", [older, "Sent", "3 of 3 devices"], 30_000);
    await waitForText(page, "tbody tr", [scheduled, "Topic offers", "Scheduled", "Due"]);
    await waitForText(page, "tbody tr", [invalid, "Everyone", "Invalid", "Nothing sent"]);
    // Written while the page is open: it appears on top without a reload, and turns Sent.
    await writeNotification({ userIds: [suite.recipient.uid], title: newer, platforms: ["ios", "android"] });
    await waitForText(page, "tbody tr", newer);
    const titles = await rowTitles(page);
    expect(titles.indexOf(newer)).toBeLessThan(titles.indexOf(older));
    const row = await waitForText(page, "tbody tr", [newer, "Sent", "2 of 2 devices"], 30_000);
    expect(row).toContain("1 user · iOS, Android");
    await expectAccessible(page, "the notifications list");
    await screenshot(page, "notifications");
    expect(errors).toEqual([]);
    await close();
    // The tasks emulator runs a scheduled wake-up at once, and it waits; a cancelled one ends.
    await db.doc(`notifications/${scheduledId}`).update({ cancelled: true });
  });
});

describe("a notification's page", () => {
  it("shows the backend's invalid details by field", async () => {
    const id = await writeNotification({
      userId: suite.recipient.uid,
      title: "   ",
      imageURL: "https://images.example.com/a.png",
      android: { color: "red" },
    });
    await waitForDoc(`notifications/${id}`, (d) => d.status === "invalid");
    const { page, errors, close } = await suite.openAsAdmin(`#/notifications/${id}`);
    await waitForText(page, ".status-card .badge", "Invalid");
    const problems = await texts(page, "[role=alert] tbody tr");
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^title\s*must not be blank/),
        expect.stringMatching(/^android\.color\s*must be a #rrggbb hex color/),
        expect.stringMatching(/^imageURL\s*unknown field/),
      ]),
    );
    expect(await page.$("::-p-text(Cancel notification)")).toBeNull();
    await expectAccessible(page, "an invalid notification's page");
    await screenshot(page, "notification-invalid");
    expect(errors).toEqual([]);
    await close();
  });

  it("shows when a scheduled notification is due and cancels it", async () => {
    const { page, errors, close } = await suite.openAsAdmin("#/compose");
    await waitForText(page, "h1", "Compose");
    await page.type("#field-userId", suite.recipient.uid);
    await page.type("#field-title", `Reminder ${uniqueId("s")}`);
    await page.click("input[type=radio][value=later]"); // an hour from now by default
    await page.click("::-p-text(Schedule notification)");
    const id = (await waitForRoute(page, "#/notifications/")).slice("#/notifications/".length);
    await waitForText(page, ".status-card .badge", "Scheduled");
    const due = await waitForText(page, ".facts", "Due");
    expect(due).toMatch(/in (1 hour|60 minutes|59 minutes)/);
    await expectAccessible(page, "a scheduled notification's page");
    await screenshot(page, "notification-scheduled");

    await page.click("::-p-text(Cancel notification)");
    await waitForText(page, ".status-card .badge", "Cancelled");
    expect(await page.$("::-p-text(Cancel notification)")).toBeNull();
    const stored = (await db.doc(`notifications/${id}`).get()).data();
    expect(stored).toMatchObject({ cancelled: true, status: "cancelled", stats: { sent: 0 } });
    expect(errors).toEqual([]);
    await close();
  });

  it("pages through the deliveries 50 at a time", async () => {
    // The ledger is the backend's to write; here it is written directly, 60 rows, so the pager
    // has two pages without registering 60 devices.
    const user = await createUser({ prefix: "console-pager" });
    const id = await writeNotification({ userId: user.uid, title: `Paged ${uniqueId("p")}` });
    await waitForDoc(`notifications/${id}`, (d) => d.status === "no-devices");
    const batch = db.batch();
    const now = Timestamp.now();
    for (let i = 0; i < 60; i++) {
      const deviceId = `${i.toString(16).padStart(2, "0")}${"d".repeat(62)}`;
      const delivery: DeliveryDocument<Timestamp> = {
        userId: user.uid,
        deviceId,
        status: "sent",
        messageId: `projects/demo-pushfan/messages/page-${i}`,
        attempts: 1,
        updatedAt: now,
        expireAt: now,
      };
      batch.set(db.doc(`notifications/${id}/deliveries/${deviceId}`), delivery);
    }
    await batch.commit();

    const { page, close } = await suite.openAsAdmin(`#/notifications/${id}`);
    await waitForText(page, ".pager", "Showing 1–50");
    expect(await texts(page, "section[aria-labelledby=deliveries-title] tbody tr")).toHaveLength(50);
    await page.click("::-p-text(Next)");
    await waitForText(page, ".pager", "Showing 51–60");
    const second = await texts(page, "section[aria-labelledby=deliveries-title] tbody td:first-child");
    // Device-id order: rows 51 to 60 are devices 0x32 to 0x3b.
    expect(second).toEqual(Array.from({ length: 10 }, (_, i) => `${(50 + i).toString(16)}dddddddddd…`));
    expect(await page.$eval("::-p-text(Next)", (b) => b.hasAttribute("disabled"))).toBe(true);
    await page.click("::-p-text(Previous)");
    await waitForText(page, ".pager", "Showing 1–50");
    await close();
  });

  it("says so when the notification does not exist", async () => {
    const { page, close } = await suite.openAsAdmin(`#/notifications/${uniqueId("missing")}`);
    await waitForText(page, "h1", "Notification not found");
    await close();
  });
});
