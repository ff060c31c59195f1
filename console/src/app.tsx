// The console's frame: who is signed in decides between sign-in, the not-an-admin explanation and
// the console itself, whose page follows the URL's hash.
import type { User } from "firebase/auth";
import { NotAdminPage } from "./auth/NotAdminPage";
import { SignInPage } from "./auth/SignInPage";
import { SignOutButton } from "./auth/SignOutButton";
import { useSession } from "./auth/session";
import { type Services, ServicesContext, useServices } from "./firebase";
import { ComposePage } from "./pages/compose/ComposePage";
import { NotificationPage } from "./pages/notifications/NotificationPage";
import { NotificationsPage } from "./pages/notifications/NotificationsPage";
import { UsersPage } from "./pages/users/UsersPage";
import { href, type Route, useRoute } from "./router";
import { Alert } from "./ui/Alert";
import { Brand } from "./ui/Brand";

export function App({ services }: { services: Services }) {
  return (
    <ServicesContext.Provider value={services}>
      <Gate />
    </ServicesContext.Provider>
  );
}

function Gate() {
  const session = useSession(useServices().auth);
  switch (session.state) {
    case "loading":
      return <p class="boot">Checking your sign-in…</p>;
    case "error":
      return (
        <main class="auth-page">
          <Alert tone="error" title="Could not read your sign-in">
            <p>{session.error.message}</p>
          </Alert>
        </main>
      );
    case "signed-out":
      return <SignInPage />;
    case "signed-in":
      return session.admin ? <Console user={session.user} /> : <NotAdminPage user={session.user} />;
  }
}

const NAV: Array<{ label: string; route: Route; matches: Array<Route["page"]> }> = [
  { label: "Notifications", route: { page: "notifications" }, matches: ["notifications", "notification"] },
  { label: "Compose", route: { page: "compose" }, matches: ["compose"] },
  { label: "Users", route: { page: "users", uid: null }, matches: ["users"] },
];

function Console({ user }: { user: User }) {
  const route = useRoute();
  const { emulated, projectId } = useServices();
  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="topbar">
        <Brand href={href({ page: "notifications" })} />
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a key={item.label} href={href(item.route)} aria-current={item.matches.includes(route.page) ? "page" : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <div class="topbar__account">
          <span class={`env-tag ${emulated ? "env-tag--emulated" : ""}`}>{emulated ? "Emulators" : projectId}</span>
          <span class="topbar__email">{user.email ?? user.uid}</span>
          <SignOutButton class="button button--small" />
        </div>
      </header>
      <main id="main" class="content" tabIndex={-1}>
        <CurrentPage route={route} />
      </main>
    </>
  );
}

/** The hash is the router's: move the focus instead of letting the link change it. */
function skipToMain(event: Event) {
  event.preventDefault();
  document.getElementById("main")?.focus();
}

function CurrentPage({ route }: { route: Route }) {
  switch (route.page) {
    case "notifications":
      return <NotificationsPage />;
    case "notification":
      return <NotificationPage key={route.id} id={route.id} />;
    case "compose":
      return <ComposePage />;
    case "users":
      return <UsersPage key={route.uid ?? ""} uid={route.uid} />;
  }
}
