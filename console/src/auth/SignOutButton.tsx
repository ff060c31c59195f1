import { signOut } from "firebase/auth";
import { useState } from "preact/hooks";
import { useServices } from "../firebase";

export function SignOutButton({ class: className = "button" }: { class?: string }) {
  const { auth } = useServices();
  const [error, setError] = useState<string | null>(null);
  const click = () => signOut(auth).catch((caught: Error) => setError(`Could not sign out: ${caught.message}`));
  return (
    <>
      <button class={className} type="button" onClick={click}>
        Sign out
      </button>
      {error && (
        <span class="inline-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
