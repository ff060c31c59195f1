// withValidToken (tools/shared/emulators.ts): the Auth emulator's signUp can return a token older
// than its user's validSince when a second ends during the call; such a token is refused as revoked.
import { afterEach, describe, expect, it, vi } from "vitest";
import { withValidToken } from "../../tools/shared/emulators";

afterEach(() => {
  vi.useRealTimers();
});

/** A signUp that takes `ms` by the (fake) clock, and a signIn; both record that they ran. */
function calls(ms: number) {
  const ran: string[] = [];
  return {
    ran,
    signUp: async () => {
      ran.push("signUp");
      vi.advanceTimersByTime(ms);
      return "signUp's token";
    },
    signIn: async () => {
      ran.push("signIn");
      return "signIn's token";
    },
  };
}

describe("withValidToken", () => {
  it("keeps signUp's token when the call began and ended in one second", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 3, 10, 0, 0, 100) });
    const c = calls(800);
    expect(await withValidToken(c.signUp, c.signIn)).toBe("signUp's token");
    expect(c.ran).toEqual(["signUp"]);
  });

  it("signs in again when a second ended during signUp (its token may be older than validSince)", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 3, 10, 0, 0, 998) });
    const c = calls(5);
    expect(await withValidToken(c.signUp, c.signIn)).toBe("signIn's token");
    expect(c.ran).toEqual(["signUp", "signIn"]);
  });
});
