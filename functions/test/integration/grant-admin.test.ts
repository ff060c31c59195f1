// `npm run grant-admin` (the compiled tool) against the Auth emulator: the claim set and removed,
// the user's other claims kept, a clear message for an unknown email.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { adminAuth, createUser, uniqueId } from "../helpers/emulator";

const TOOL = fileURLToPath(new URL("../../lib/tools/grant-admin.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [TOOL, ...args], { env: { ...process.env }, encoding: "utf8" });

describe("npm run grant-admin", () => {
  it("grants admin: true, keeps the other claims, and --revoke takes only admin away", async () => {
    const user = await createUser({ prefix: "grant", claims: { plan: "pro" } });
    const granted = run(user.email);
    expect(granted.status, granted.stderr).toBe(0);
    expect(granted.stdout).toContain(`Granted admin to ${user.email} (uid ${user.uid})`);
    expect((await adminAuth.getUser(user.uid)).customClaims).toEqual({ plan: "pro", admin: true });

    const revoked = run(user.email, "--revoke");
    expect(revoked.status, revoked.stderr).toBe(0);
    expect((await adminAuth.getUser(user.uid)).customClaims).toEqual({ plan: "pro" });
  });

  it("says so for an email without a user, and refuses anything but one email", () => {
    const missing = run(`${uniqueId("nobody")}@example.com`);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/No user with the email .* They must sign in once first\./);
    expect(run().status).toBe(2);
    expect(run("not-an-email").status).toBe(2);
  });
});
