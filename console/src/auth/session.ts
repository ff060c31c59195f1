// Who is signed in, and whether their ID token carries the `admin` claim that firestore.rules
// require. The claim is read from the token itself, exactly what the rules will see.
import { type Auth, onIdTokenChanged, type User } from "firebase/auth";
import { useEffect, useState } from "preact/hooks";

export type Session = { state: "loading" } | { state: "signed-out" } | { state: "signed-in"; user: User; admin: boolean } | { state: "error"; error: Error };

export function useSession(auth: Auth): Session {
  const [session, setSession] = useState<Session>({ state: "loading" });
  useEffect(
    () =>
      onIdTokenChanged(auth, async (user) => {
        if (!user) return setSession({ state: "signed-out" });
        try {
          const token = await user.getIdTokenResult();
          setSession({ state: "signed-in", user, admin: token.claims.admin === true });
        } catch (error) {
          setSession({ state: "error", error: error as Error });
        }
      }),
    [auth],
  );
  return session;
}
