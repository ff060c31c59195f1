// lookupUser, the admin-only callable behind the console's Users page, over HTTP as the console
// calls it: admins find users by email (any case) or uid; everyone else is refused.
import { describe, expect, it } from "vitest";
import { adminAuth, callFunction, createUser, uniqueId } from "../helpers/emulator";

describe("lookupUser", () => {
  it("finds a user by email, in any case, and by uid; says null for no such user", async () => {
    const admin = await createUser({ prefix: "lookup-admin", claims: { admin: true } });
    const user = await createUser({ prefix: "lookup-user" });
    await adminAuth.updateUser(user.uid, { displayName: "Ada Lovelace" });

    const byEmail = await callFunction("lookupUser", { email: `  ${user.email.toUpperCase()} ` }, admin.idToken);
    expect(byEmail.status, byEmail.text).toBe(200);
    expect(byEmail.body.result.user).toMatchObject({ uid: user.uid, email: user.email, displayName: "Ada Lovelace", disabled: false, admin: false });
    expect(byEmail.body.result.user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(byEmail.body)).not.toMatch(/password|hash|token/i);

    const byUid = await callFunction("lookupUser", { uid: admin.uid }, admin.idToken);
    expect(byUid.body.result.user).toMatchObject({ uid: admin.uid, email: admin.email, admin: true });

    for (const query of [{ email: `${uniqueId("nobody")}@example.com` }, { uid: uniqueId("nobody") }]) {
      const missing = await callFunction("lookupUser", query, admin.idToken);
      expect(missing.status, missing.text).toBe(200);
      expect(missing.body.result).toEqual({ user: null });
    }
  });

  it("refuses a signed-in user without the admin claim (permission-denied) and a caller without a user (unauthenticated)", async () => {
    const user = await createUser({ prefix: "lookup-nonadmin", claims: { admin: "true" } });
    const denied = await callFunction("lookupUser", { email: user.email }, user.idToken);
    expect(denied.status).toBe(403);
    expect(denied.body.error.status).toBe("PERMISSION_DENIED");
    expect(denied.text).not.toContain(user.uid);

    const anonymous = await callFunction("lookupUser", { email: user.email });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.status).toBe("UNAUTHENTICATED");
  });

  it.each([
    [{}, ""],
    [{ email: "a@example.com", uid: "u1" }, ""],
    [{ email: "not-an-email" }, "email"],
    [{ uid: "" }, "uid"],
    [{ uid: "u".repeat(129) }, "uid"],
    [{ email: "a@example.com", extra: 1 }, "extra"],
    ["a@example.com", ""],
  ])("answers invalid-argument with the field for %j", async (data, path) => {
    const admin = await createUser({ prefix: "lookup-bad", claims: { admin: true } });
    const result = await callFunction("lookupUser", data, admin.idToken);
    expect(result.status, result.text).toBe(400);
    expect(result.body.error.status).toBe("INVALID_ARGUMENT");
    expect(result.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });
});
