// The inbox in the console (issue 20): compose sets `inbox` and the unread badge, the detail page
// shows received and opened with the open rate, and the Users page lists the user's latest inbox
// entries with their read state. Each page is checked with axe-core.
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { db, uniqueId } from "../helpers/emulator";
import { consoleSuite, expectAccessible, screenshot, texts, waitForRoute, waitForText } from "./console-app";

const suite = consoleSuite();

describe("the inbox in the console", () => {
  it("composes a notification for the inbox with the unread badge; the user's inbox gets it and the iPhone its badge", async () => {
    const { page, errors, close } = await suite.openAsAdmin("#/compose");
    await waitForText(page, "h1", "Compose");
    const title = `Inbox ${uniqueId("c")}`;
    await page.type("#field-userId", suite.recipient.uid);
    await page.type("#field-title", title);
    await page.click("#field-inbox");
    await page.click("::-p-text(iOS options (APNs))");
    await page.click("#field-unreadBadge");
    expect(await page.$("#field-apns-badge")).toBeNull();
    await expectAccessible(page, "the compose page with the inbox options");
    await page.click("::-p-text(Send notification)");
    const id = decodeURIComponent((await waitForRoute(page, "#/notifications/")).slice("#/notifications/".length));
    await waitForText(page, ".status-card .badge", "Sent", 30_000);
    expect((await db.doc(`notifications/${id}`).get()).data()).toMatchObject({ inbox: true, apns: { badge: "unread" }, status: "sent" });
    expect((await db.doc(`users/${suite.recipient.uid}/inbox/${id}`).get()).data()).toMatchObject({ title, readAt: null });
    const outbox = await db.collection("sandboxOutbox").where("notificationId", "==", id).get();
    const ios = outbox.docs.map((d) => d.data()).find((o) => o.token?.startsWith("console-ios"));
    expect(ios?.message.apns.payload.aps.badge).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
    await close();
  });

  it("a notification's page shows received, opened and the open rate", async () => {
    const id = uniqueId("n-engaged");
    const at = Timestamp.now();
    // Seeded as the backend leaves a finished notification (the trigger skips one already terminal).
    await db.doc(`notifications/${id}`).set({
      userId: suite.recipient.uid,
      title: "Engaged",
      inbox: true,
      status: "sent",
      createdAt: at,
      completedAt: at,
      stats: { recipients: 1, devices: 3, sent: 3, failed: 0, removed: 0 },
      engagement: { received: 2, opened: 1, updatedAt: at },
    });
    const { page, errors, close } = await suite.openAsAdmin(`#/notifications/${id}`);
    await waitForText(page, "#stats-title", "Counts");
    const stats = await texts(page, ".stats .stat");
    expect(stats).toEqual(expect.arrayContaining(["Received2", "Opened1", "Open rate33.3%"]));
    await expectAccessible(page, "a notification's page with engagement");
    expect(errors).toEqual([]);
    await close();
  });

  it("the Users page lists the user's latest inbox entries with their read state", async () => {
    const uid = suite.recipient.uid;
    const at = Timestamp.now();
    const entry = (title: string, extra: Record<string, unknown>) => ({
      notificationId: title,
      title,
      createdAt: at,
      seenAt: null,
      readAt: null,
      archivedAt: null,
      expireAt: at,
      ...extra,
    });
    const [unread, read, archived] = [uniqueId("unread"), uniqueId("read"), uniqueId("archived")];
    await db.doc(`users/${uid}/inbox/${unread}`).set(entry(unread, {}));
    await db.doc(`users/${uid}/inbox/${read}`).set(entry(read, { seenAt: at, readAt: FieldValue.serverTimestamp() }));
    await db.doc(`users/${uid}/inbox/${archived}`).set(entry(archived, { archivedAt: at }));
    const { page, errors, close } = await suite.openAsAdmin(`#/users/${uid}`);
    await waitForText(page, "#inbox-title", "Latest inbox entries");
    await waitForText(page, "section[aria-labelledby=inbox-title]", archived);
    const rows = await texts(page, "section[aria-labelledby=inbox-title] tbody tr");
    expect(rows.find((r) => r.includes(unread))).toContain("Unread");
    expect(rows.find((r) => r.includes(read))).toContain("Read");
    expect(rows.find((r) => r.includes(archived))).toContain("Archived");
    await expectAccessible(page, "the users page with inbox entries");
    await screenshot(page, "users-inbox", 1100);
    expect(errors).toEqual([]);
    await close();
  });
});
