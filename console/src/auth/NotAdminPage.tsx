// A signed-in user without the admin claim: the rules would refuse every read, so say why up front.
import type { User } from "firebase/auth";
import { Brand } from "../ui/Brand";
import { SignOutButton } from "./SignOutButton";

export function NotAdminPage({ user }: { user: User }) {
  return (
    <main class="auth-page">
      <section class="card auth-card" aria-labelledby="not-admin-title">
        <Brand />
        <h1 id="not-admin-title">This account is not an admin</h1>
        <p>
          You are signed in as <strong>{user.email ?? user.uid}</strong>, but your ID token has no <code>admin</code> claim. The console reads and writes
          notifications and devices under the Firestore security rules, which allow that only to admins.
        </p>
        <p class="muted">
          An owner can grant it with the Admin SDK: <code>setCustomUserClaims(uid, {"{ admin: true }"})</code> for uid <code>{user.uid}</code>. Then sign in
          again.
        </p>
        <SignOutButton class="button button--primary" />
      </section>
    </main>
  );
}
