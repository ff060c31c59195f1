// Email and password sign-in (the Auth emulator locally). Other providers can be added here for
// production; what matters to the console is the `admin` claim on the resulting token.
import { signInWithEmailAndPassword } from "firebase/auth";
import { useState } from "preact/hooks";
import { useServices } from "../firebase";
import { Alert } from "../ui/Alert";
import { Brand } from "../ui/Brand";
import { TextField } from "../ui/fields";
import { signInErrorMessage } from "./errors";

export function SignInPage() {
  const { auth, emulated, projectId } = useServices();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signInWithEmailAndPassword(auth, email.trim(), password);
    } catch (caught) {
      setError(signInErrorMessage(caught));
      setBusy(false);
    }
  }

  return (
    <main class="auth-page">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <Brand />
        <h1 id="sign-in-title">Sign in</h1>
        <p class="muted">
          The console is for admins of <strong>{projectId}</strong>.{emulated && " You are on the local emulators."}
        </p>
        {error && <Alert tone="error">{error}</Alert>}
        <TextField name="email" label="Email" type="email" autoComplete="username" required value={email} onValue={setEmail} />
        <TextField name="password" label="Password" type="password" autoComplete="current-password" required value={password} onValue={setPassword} />
        <button class="button button--primary button--block" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {emulated && <p class="auth-card__hint">Demo admin (seeded by npm start): admin@pushfan.test / pushfan-admin</p>}
      </form>
    </main>
  );
}
