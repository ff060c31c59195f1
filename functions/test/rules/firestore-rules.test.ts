// firestore.rules against CONTRACT §4: every rule on its allowed and its denied paths, for the owner,
// another user, an unauthenticated client and an admin; then the emulator's rules coverage report is
// saved to test-results/ and checked.

import { readFileSync } from "node:fs";
import { assertFails, assertSucceeds, type RulesTestContext, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import {
  collection,
  collectionGroup,
  deleteDoc,
  deleteField,
  doc,
  type Firestore,
  getDoc,
  getDocs,
  query,
  serverTimestamp,
  setDoc,
  setLogLevel,
  Timestamp,
  updateDoc,
  where,
} from "firebase/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUTPUT_FIELDS } from "../../src/notifications/schema";
import { uniqueId } from "../helpers/emulator";
import { type CoverageNode, RULES_PATH, ruleExpressions, rulesTestEnvironment, saveRulesCoverage } from "../helpers/rules";

let env: RulesTestEnvironment;

// Unique per run: the emulator database is shared with the other suites and is never cleared here.
const run = uniqueId("rules");
const alice = `alice-${run}`;
const bob = `bob-${run}`;
const carol = `carol-${run}`;
const adminUid = `admin-${run}`;
const ids = {
  aliceDevice: `device-a-${run}`,
  bobDevice: `device-b-${run}`,
  toAlice: `n-alice-${run}`,
  toMany: `n-many-${run}`,
  toBob: `n-bob-${run}`,
  mapRecipients: `n-map-${run}`,
  stringRecipients: `n-string-${run}`,
  outbox: `outbox-${run}`,
};

// rules-unit-testing types its contexts' Firestore as the compat API; the modular functions take it as is.
const modular = (context: RulesTestContext) => context.firestore() as unknown as Firestore;
const asUser = (uid: string, claims?: Record<string, unknown>) => modular(env.authenticatedContext(uid, claims));
const asAlice = () => asUser(alice);
const asBob = () => asUser(bob);
const asAdmin = () => asUser(adminUid, { admin: true });
const asAnonymous = () => modular(env.unauthenticatedContext());

// Devices are seeded inactive so the fan-out trigger, which also sees these notifications, has
// nothing to send and never rewrites the seeded deliveries.
const device = (uid: string) => ({ token: `tok-${uid}`, userId: uid, type: "web", name: null, active: false });

beforeAll(async () => {
  // Denied requests are the point here; the SDK would log each one as a warning.
  setLogLevel("silent");
  env = await rulesTestEnvironment();
  await env.withSecurityRulesDisabled(async (context) => {
    const db = modular(context);
    await Promise.all([
      setDoc(doc(db, `users/${alice}/devices/${ids.aliceDevice}`), device(alice)),
      setDoc(doc(db, `users/${bob}/devices/${ids.bobDevice}`), device(bob)),
      setDoc(doc(db, `users/${alice}`), { note: "a user document no rule mentions", deviceIds: { [ids.aliceDevice]: true } }),
      setDoc(doc(db, `tokenOwners/${ids.aliceDevice}`), { userId: alice }),
      setDoc(doc(db, `notifications/${ids.toAlice}`), { userId: alice, title: "for alice" }),
      setDoc(doc(db, `notifications/${ids.toMany}`), { userIds: [alice, carol], title: "for alice and carol" }),
      setDoc(doc(db, `notifications/${ids.toBob}`), { userId: bob, title: "for bob" }),
      // Not a valid notification (the trigger marks it invalid), but the rules must not read a map as a list.
      setDoc(doc(db, `notifications/${ids.mapRecipients}`), { userIds: { [alice]: true }, title: "malformed" }),
      setDoc(doc(db, `notifications/${ids.stringRecipients}`), { userIds: alice, title: "malformed" }),
      setDoc(doc(db, `notifications/${ids.toAlice}/deliveries/${ids.aliceDevice}`), { userId: alice, status: "sent" }),
      setDoc(doc(db, `notifications/${ids.toMany}/deliveries/${ids.aliceDevice}`), { userId: alice, status: "sent" }),
      setDoc(doc(db, `notifications/${ids.toMany}/deliveries/device-c-${run}`), { userId: carol, status: "failed" }),
      setDoc(doc(db, `sandboxOutbox/${ids.outbox}`), { notificationId: ids.toAlice, userId: alice, token: "tok" }),
      setDoc(doc(db, `settings/${run}`), { anything: true }),
      setDoc(doc(db, `notificationPreferences/${alice}`), { categories: { promo: false }, quietHours: null, mutedUntil: null }),
      setDoc(doc(db, `recipientCounters/${alice}`), { received: {} }),
    ]);
  });
});

afterAll(async () => {
  await env?.cleanup();
});

describe("users/{uid}/devices/{deviceId}", () => {
  const path = () => `users/${alice}/devices/${ids.aliceDevice}`;

  it("the owner reads their device", async () => {
    const snap = await assertSucceeds(getDoc(doc(asAlice(), path())));
    expect(snap.get("userId")).toBe(alice);
  });

  it("another user and an unauthenticated client cannot read it", async () => {
    await assertFails(getDoc(doc(asBob(), path())));
    await assertFails(getDoc(doc(asAnonymous(), path())));
  });

  it("an admin reads it and lists a user's devices (the console's Users page)", async () => {
    await assertSucceeds(getDoc(doc(asAdmin(), path())));
    const snap = await assertSucceeds(getDocs(collection(asAdmin(), `users/${alice}/devices`)));
    expect(snap.docs.map((d) => d.id)).toEqual([ids.aliceDevice]);
  });

  it("the owner lists their own devices collection", async () => {
    const snap = await assertSucceeds(getDocs(collection(asAlice(), `users/${alice}/devices`)));
    expect(snap.docs.map((d) => d.id)).toEqual([ids.aliceDevice]);
  });

  it("no other user lists the owner's devices", async () => {
    await assertFails(getDocs(collection(asBob(), `users/${alice}/devices`)));
    await assertFails(getDocs(collection(asAnonymous(), `users/${alice}/devices`)));
  });

  it("a collection-group query over every user's devices is denied, even filtered to the caller", async () => {
    await assertFails(getDocs(collectionGroup(asAlice(), "devices")));
    await assertFails(getDocs(query(collectionGroup(asAlice(), "devices"), where("userId", "==", alice))));
    await assertFails(getDocs(collectionGroup(asAdmin(), "devices")));
  });

  it("no client writes devices: not the owner, not an admin, not anonymously", async () => {
    const fresh = `users/${alice}/devices/new-${run}`;
    for (const db of [asAlice(), asAdmin(), asAnonymous()]) {
      await assertFails(setDoc(doc(db, fresh), device(alice)));
      await assertFails(updateDoc(doc(db, path()), { active: true }));
      await assertFails(deleteDoc(doc(db, path())));
    }
    await assertFails(setDoc(doc(asBob(), `users/${bob}/devices/new-${run}`), device(bob)));
  });
});

describe("notifications/{id}: create", () => {
  // Addressed to nobody else in this file, so that alice's own list queries below stay exact.
  const valid = () => ({ userId: `dave-${run}`, title: "Hello", body: "from the rules test" });

  it("an admin creates a notification with input fields only", async () => {
    await assertSucceeds(setDoc(doc(asAdmin(), `notifications/${uniqueId("n-create")}`), valid()));
  });

  it.each([...OUTPUT_FIELDS])("an admin cannot create one that already carries the output field %s", async (field) => {
    await assertFails(setDoc(doc(asAdmin(), `notifications/${uniqueId("n-output")}`), { ...valid(), [field]: "x" }));
  });

  it("a signed-in non-admin and an unauthenticated client cannot create one", async () => {
    await assertFails(setDoc(doc(asAlice(), `notifications/${uniqueId("n-user")}`), valid()));
    await assertFails(setDoc(doc(asAnonymous(), `notifications/${uniqueId("n-anon")}`), valid()));
  });

  it('only a boolean admin claim counts: admin: false, "true" or 1 cannot create', async () => {
    for (const admin of [false, "true", 1]) {
      const db = asUser(`claims-${run}`, { admin });
      await assertFails(setDoc(doc(db, `notifications/${uniqueId("n-claim")}`), valid()));
    }
  });
});

describe("notifications/{id}: read", () => {
  it("the recipient named in userId reads it", async () => {
    const snap = await assertSucceeds(getDoc(doc(asAlice(), `notifications/${ids.toAlice}`)));
    expect(snap.get("title")).toBe("for alice");
  });

  it("a member of a userIds list does not read it (it names the other recipients): their view is their inbox entry and delivery", async () => {
    await assertFails(getDoc(doc(asAlice(), `notifications/${ids.toMany}`)));
    await assertFails(getDoc(doc(asUser(carol), `notifications/${ids.toMany}`)));
  });

  it("a user who is not a recipient, and an unauthenticated client, cannot read it", async () => {
    await assertFails(getDoc(doc(asBob(), `notifications/${ids.toAlice}`)));
    await assertFails(getDoc(doc(asBob(), `notifications/${ids.toMany}`)));
    await assertFails(getDoc(doc(asAlice(), `notifications/${ids.toBob}`)));
    await assertFails(getDoc(doc(asAnonymous(), `notifications/${ids.toAlice}`)));
  });

  it("a userIds that is not a list (a map keyed by the uid, the uid as a string) names no recipient", async () => {
    await assertFails(getDoc(doc(asAlice(), `notifications/${ids.mapRecipients}`)));
    await assertFails(getDoc(doc(asAlice(), `notifications/${ids.stringRecipients}`)));
  });

  it("an admin reads any notification", async () => {
    await assertSucceeds(getDoc(doc(asAdmin(), `notifications/${ids.toBob}`)));
    await assertSucceeds(getDoc(doc(asAdmin(), `notifications/${ids.mapRecipients}`)));
  });

  it("a client lists its own notifications addressed by userId: where userId == me", async () => {
    const single = await assertSucceeds(getDocs(query(collection(asAlice(), "notifications"), where("userId", "==", alice))));
    expect(single.docs.map((d) => d.id)).toEqual([ids.toAlice]);
  });

  it("a client cannot list the lists it is on: where userIds array-contains me is denied", async () => {
    await assertFails(getDocs(query(collection(asAlice(), "notifications"), where("userIds", "array-contains", alice))));
  });

  it("broader lists are denied: every notification, or another user's", async () => {
    const db = asAlice();
    await assertFails(getDocs(collection(db, "notifications")));
    await assertFails(getDocs(query(collection(db, "notifications"), where("userId", "==", bob))));
    await assertFails(getDocs(query(collection(db, "notifications"), where("userIds", "array-contains", bob))));
    await assertFails(getDocs(query(collection(db, "notifications"), where("title", "==", "for alice"))));
    await assertFails(getDocs(query(collection(asAnonymous(), "notifications"), where("userId", "==", alice))));
  });

  it("an admin lists every notification", async () => {
    await assertSucceeds(getDocs(query(collection(asAdmin(), "notifications"), where("userId", "==", bob))));
    await assertSucceeds(getDocs(collection(asAdmin(), "notifications")));
  });
});

describe("notifications/{id}: cancel, update and delete", () => {
  // Seeded past the rules as the backend leaves them, so that the trigger (which sees these documents
  // too) leaves them be: `processing` with the planner's lease held an hour ahead, `scheduled` an hour
  // ahead, `sent` finished.
  const seeded = async (status: string) => {
    const id = uniqueId(`n-${status}`);
    const hourAhead = new Date(Date.now() + 3_600_000);
    const backend = { status, createdAt: new Date(), dueAt: hourAhead, lease: { runId: "rules-test", expiresAt: hourAhead } };
    await env.withSecurityRulesDisabled((context) => setDoc(doc(modular(context), `notifications/${id}`), { userId: alice, title: "to cancel", ...backend }));
    return `notifications/${id}`;
  };

  it("an admin cancels a notification that has not finished: cancelled set to true, nothing else", async () => {
    await assertSucceeds(updateDoc(doc(asAdmin(), await seeded("processing")), { cancelled: true }));
    await assertSucceeds(updateDoc(doc(asAdmin(), await seeded("scheduled")), { cancelled: true }));
  });

  it("a cancel is refused when the notification has finished, or from anyone but an admin", async () => {
    await assertFails(updateDoc(doc(asAdmin(), await seeded("sent")), { cancelled: true }));
    const running = await seeded("processing");
    await assertFails(updateDoc(doc(asAlice(), running), { cancelled: true }));
    await assertFails(updateDoc(doc(asAnonymous(), running), { cancelled: true }));
  });

  it("an admin cannot cancel with anything but true, nor change another field along with it", async () => {
    const running = await seeded("processing");
    await assertFails(updateDoc(doc(asAdmin(), running), { cancelled: false }));
    await assertFails(updateDoc(doc(asAdmin(), running), { cancelled: "true" }));
    await assertFails(updateDoc(doc(asAdmin(), running), { cancelled: true, title: "changed" }));
    await assertFails(updateDoc(doc(asAdmin(), running), { cancelled: true, status: "cancelled" }));
  });

  it("nobody updates any other field, not even an admin or its recipient", async () => {
    await assertFails(updateDoc(doc(asAdmin(), `notifications/${ids.toAlice}`), { title: "changed" }));
    await assertFails(updateDoc(doc(asAdmin(), `notifications/${ids.toAlice}`), { status: "sent" }));
    await assertFails(updateDoc(doc(asAlice(), `notifications/${ids.toAlice}`), { title: "changed" }));
    await assertFails(updateDoc(doc(asAnonymous(), `notifications/${ids.toAlice}`), { title: "changed" }));
    // A set over an existing document is an update too.
    await assertFails(setDoc(doc(asAdmin(), `notifications/${ids.toAlice}`), { userId: alice, title: "replaced" }));
  });

  it("an admin deletes a notification; its recipient and an unauthenticated client cannot", async () => {
    const id = uniqueId("n-delete");
    await env.withSecurityRulesDisabled((context) => setDoc(doc(modular(context), `notifications/${id}`), { userId: alice, title: "x" }));
    await assertFails(deleteDoc(doc(asAlice(), `notifications/${id}`)));
    await assertFails(deleteDoc(doc(asAnonymous(), `notifications/${id}`)));
    await assertSucceeds(deleteDoc(doc(asAdmin(), `notifications/${id}`)));
  });
});

describe("notifications/{id}/deliveries/{deviceId}", () => {
  const aliceDelivery = () => `notifications/${ids.toMany}/deliveries/${ids.aliceDevice}`;
  const carolDelivery = () => `notifications/${ids.toMany}/deliveries/device-c-${run}`;

  it("a recipient reads its own delivery", async () => {
    const snap = await assertSucceeds(getDoc(doc(asAlice(), aliceDelivery())));
    expect(snap.get("status")).toBe("sent");
    await assertSucceeds(getDoc(doc(asAlice(), `notifications/${ids.toAlice}/deliveries/${ids.aliceDevice}`)));
  });

  it("a recipient cannot read another recipient's delivery of the same notification", async () => {
    await assertFails(getDoc(doc(asAlice(), carolDelivery())));
    await assertFails(getDoc(doc(asBob(), aliceDelivery())));
    await assertFails(getDoc(doc(asAnonymous(), aliceDelivery())));
  });

  it("an admin reads every delivery", async () => {
    await assertSucceeds(getDoc(doc(asAdmin(), carolDelivery())));
    await assertSucceeds(getDocs(collection(asAdmin(), `notifications/${ids.toMany}/deliveries`)));
  });

  it("a recipient lists its own deliveries of a notification, but not all of them", async () => {
    const deliveries = collection(asAlice(), `notifications/${ids.toMany}/deliveries`);
    const mine = await assertSucceeds(getDocs(query(deliveries, where("userId", "==", alice))));
    expect(mine.docs.map((d) => d.id)).toEqual([ids.aliceDevice]);
    await assertFails(getDocs(deliveries));
    await assertFails(getDocs(query(collectionGroup(asAlice(), "deliveries"), where("userId", "==", alice))));
  });

  it("no client writes deliveries, not even an admin", async () => {
    for (const db of [asAdmin(), asAlice(), asAnonymous()]) {
      await assertFails(setDoc(doc(db, `notifications/${ids.toAlice}/deliveries/forged-${run}`), { userId: alice, status: "sent" }));
      await assertFails(updateDoc(doc(db, aliceDelivery()), { status: "failed" }));
      await assertFails(deleteDoc(doc(db, aliceDelivery())));
    }
  });
});

describe("users/{uid}/inbox/{notificationId}", () => {
  const old = Timestamp.fromMillis(Date.UTC(2026, 0, 1));
  const entry = (extra: Record<string, unknown> = {}) => ({
    notificationId: "n",
    title: "Hello",
    createdAt: old,
    seenAt: null,
    readAt: null,
    archivedAt: null,
    expireAt: old,
    ...extra,
  });
  /** A fresh entry of alice's (tests change them). */
  async function seedEntry(extra: Record<string, unknown> = {}) {
    const path = `users/${alice}/inbox/${uniqueId("entry")}`;
    await env.withSecurityRulesDisabled((context) => setDoc(doc(modular(context), path), entry(extra)));
    return path;
  }
  const future = () => Timestamp.fromMillis(Date.now() + 60 * 60 * 1000);

  it("the owner reads and lists their inbox; an admin too; nobody else", async () => {
    const path = await seedEntry();
    await assertSucceeds(getDoc(doc(asAlice(), path)));
    await assertSucceeds(getDocs(query(collection(asAlice(), `users/${alice}/inbox`), where("readAt", "==", null))));
    await assertSucceeds(getDoc(doc(asAdmin(), path)));
    await assertSucceeds(getDocs(collection(asAdmin(), `users/${alice}/inbox`)));
    await assertFails(getDoc(doc(asBob(), path)));
    await assertFails(getDocs(collection(asBob(), `users/${alice}/inbox`)));
    await assertFails(getDoc(doc(asAnonymous(), path)));
    await assertFails(getDocs(query(collectionGroup(asAlice(), "inbox"), where("notificationId", "==", "n"))));
  });

  it("the owner sets seenAt, readAt and archivedAt to the request time, one or all at once", async () => {
    const path = await seedEntry({ seenAt: old });
    await assertSucceeds(updateDoc(doc(asAlice(), path), { readAt: serverTimestamp() }));
    await assertSucceeds(updateDoc(doc(asAlice(), path), { seenAt: serverTimestamp(), readAt: serverTimestamp(), archivedAt: serverTimestamp() }));
    const snap = await getDoc(doc(asAlice(), path));
    expect(snap.get("archivedAt")).toBeInstanceOf(Timestamp);
  });

  it("the owner sets them back to null (unread, unarchived), leaving the others as they were", async () => {
    const path = await seedEntry({ seenAt: old, readAt: old, archivedAt: old });
    await assertSucceeds(updateDoc(doc(asAlice(), path), { readAt: null }));
    await assertSucceeds(updateDoc(doc(asAlice(), path), { archivedAt: null, seenAt: null }));
    expect((await getDoc(doc(asAlice(), path))).data()).toMatchObject({ seenAt: null, readAt: null, archivedAt: null });
  });

  it("another user, an admin and an unauthenticated client cannot change it", async () => {
    const path = await seedEntry();
    await assertFails(updateDoc(doc(asBob(), path), { readAt: serverTimestamp() }));
    await assertFails(updateDoc(doc(asAdmin(), path), { readAt: serverTimestamp() }));
    await assertFails(updateDoc(doc(asAnonymous(), path), { readAt: serverTimestamp() }));
  });

  it("the owner changes no other field, not even along with the read state", async () => {
    const path = await seedEntry();
    await assertFails(updateDoc(doc(asAlice(), path), { title: "Changed" }));
    await assertFails(updateDoc(doc(asAlice(), path), { readAt: serverTimestamp(), expireAt: future() }));
    await assertFails(updateDoc(doc(asAlice(), path), { readAt: serverTimestamp(), pinned: true }));
  });

  it("each read-state field takes only the request time or null: not a future or past time, another type, or removal", async () => {
    const path = await seedEntry();
    for (const field of ["seenAt", "readAt", "archivedAt"]) {
      await assertFails(updateDoc(doc(asAlice(), path), { [field]: future() }));
      await assertFails(updateDoc(doc(asAlice(), path), { [field]: Timestamp.fromMillis(Date.now() - 60_000) }));
      await assertFails(updateDoc(doc(asAlice(), path), { [field]: true }));
      await assertFails(updateDoc(doc(asAlice(), path), { [field]: deleteField() }));
    }
    expect((await getDoc(doc(asAlice(), path))).data()).toMatchObject({ seenAt: null, readAt: null, archivedAt: null });
  });

  it("nobody creates or deletes entries, not even the owner or an admin", async () => {
    const path = await seedEntry();
    await assertFails(setDoc(doc(asAlice(), `users/${alice}/inbox/${uniqueId("new")}`), entry()));
    await assertFails(setDoc(doc(asAdmin(), `users/${alice}/inbox/${uniqueId("new")}`), entry()));
    await assertFails(deleteDoc(doc(asAlice(), path)));
    await assertFails(deleteDoc(doc(asAdmin(), path)));
  });
});

describe("notificationPreferences/{uid}", () => {
  const path = () => `notificationPreferences/${alice}`;

  it("the owner and an admin read it", async () => {
    expect((await assertSucceeds(getDoc(doc(asAlice(), path())))).get("categories")).toEqual({ promo: false });
    await assertSucceeds(getDoc(doc(asAdmin(), path())));
  });

  it("another user and an unauthenticated client cannot read it, nor list the collection", async () => {
    await assertFails(getDoc(doc(asBob(), path())));
    await assertFails(getDoc(doc(asAnonymous(), path())));
    await assertFails(getDocs(collection(asBob(), "notificationPreferences")));
  });

  it("no client writes it: not the owner (who goes through setNotificationPreferences), not an admin", async () => {
    for (const db of [asAlice(), asAdmin(), asAnonymous()]) {
      await assertFails(setDoc(doc(db, path()), { categories: {}, quietHours: null, mutedUntil: null }));
      await assertFails(updateDoc(doc(db, path()), { "categories.promo": true }));
      await assertFails(deleteDoc(doc(db, path())));
    }
    await assertFails(setDoc(doc(asBob(), `notificationPreferences/${bob}`), { categories: {} }));
  });

  it("the daily cap's counters (recipientCounters) are for the backend only", async () => {
    for (const db of [asAlice(), asAdmin(), asAnonymous()]) {
      await assertFails(getDoc(doc(db, `recipientCounters/${alice}`)));
      await assertFails(setDoc(doc(db, `recipientCounters/${alice}`), { received: {} }));
    }
  });
});

describe("everything else is denied", () => {
  const clients = () =>
    [
      ["the owner", asAlice()],
      ["an admin", asAdmin()],
      ["an unauthenticated client", asAnonymous()],
    ] as const;

  it("sandboxOutbox: no read, list or write for anyone", async () => {
    for (const [, db] of clients()) {
      await assertFails(getDoc(doc(db, `sandboxOutbox/${ids.outbox}`)));
      await assertFails(getDocs(query(collection(db, "sandboxOutbox"), where("userId", "==", alice))));
      await assertFails(setDoc(doc(db, `sandboxOutbox/forged-${run}`), { userId: alice }));
      await assertFails(deleteDoc(doc(db, `sandboxOutbox/${ids.outbox}`)));
    }
  });

  it("tokenOwners (which user holds each token): no read, list or write for anyone", async () => {
    for (const [, db] of clients()) {
      await assertFails(getDoc(doc(db, `tokenOwners/${ids.aliceDevice}`)));
      await assertFails(getDocs(query(collection(db, "tokenOwners"), where("userId", "==", alice))));
      await assertFails(setDoc(doc(db, `tokenOwners/${ids.aliceDevice}`), { userId: bob }));
      await assertFails(deleteDoc(doc(db, `tokenOwners/${ids.aliceDevice}`)));
    }
  });

  it("unknown collections and the user document itself: no read or write", async () => {
    for (const [, db] of clients()) {
      await assertFails(getDoc(doc(db, `settings/${run}`)));
      await assertFails(setDoc(doc(db, `settings/${run}-new`), { anything: true }));
      await assertFails(getDoc(doc(db, `users/${alice}`)));
      await assertFails(setDoc(doc(db, `users/${alice}`), { admin: true }));
      await assertFails(getDoc(doc(db, `users/${alice}/private/${run}`)));
      await assertFails(setDoc(doc(db, `users/${alice}/private/${run}`), { x: 1 }));
    }
  });
});

// Runs last (tests in a file run in order): the report covers every evaluation made above, since
// initializeTestEnvironment loaded these rules, and only those (the other suites use the Admin SDK).
describe("rules coverage", () => {
  it("every condition and every operand of && and || in firestore.rules evaluated to true and to false", async () => {
    const report = await saveRulesCoverage();
    const source = readFileSync(RULES_PATH, "utf8");
    expect(report.rules?.files?.[0]?.content, "the report is about another rules file").toBe(source);

    const evaluated = new Map<string, Set<boolean>>();
    const visit = (node: CoverageNode) => {
      const { line, column } = node.sourcePosition ?? {};
      const outcomes = evaluated.get(`${line}:${column}`) ?? new Set<boolean>();
      for (const v of node.values ?? []) if (typeof v.value?.boolValue === "boolean") outcomes.add(v.value.boolValue);
      evaluated.set(`${line}:${column}`, outcomes);
      node.children?.forEach(visit);
    };
    report.report?.forEach(visit);

    const expressions = ruleExpressions(source);
    expect(expressions.filter((e) => e.kind === "allow")).toHaveLength(source.replace(/\/\/[^\n]*/g, "").match(/\ballow\b/g)!.length);
    const gaps = expressions.flatMap((e) =>
      [e, ...e.operands].flatMap((part) => {
        const seen = evaluated.get(`${part.line}:${part.column}`) ?? new Set();
        return seen.has(true) && seen.has(false) ? [] : [`line ${part.line}:${part.column} \`${part.text}\` evaluated to ${JSON.stringify([...seen])}`];
      }),
    );
    expect(gaps).toEqual([]);
  });
});
