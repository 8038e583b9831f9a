import { useState } from "preact/hooks";
import { post, messageOf } from "../api/http";
import { endReason, session, type Session } from "./session";
import { ErrorNote } from "../ui/ErrorNote";

interface SignupReply {
  activation_required: boolean;
}

/** Sign-in, and sign-up where the operator allows it (the server answers 403 otherwise). */
export function SignIn() {
  const [mode, setMode] = useState<"in" | "up">("in");
  const [error, setError] = useState<string | null>(endReason.value);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    setBusy(true);
    setError(null);
    try {
      if (mode === "up") {
        const reply = await post<SignupReply>("/v1/auth/signup", { email, password, name: String(form.get("name")) });
        if (reply.activation_required) {
          setNotice("Check your email for the activation link.");
          setMode("in");
          return;
        }
      }
      session.start(await post<Session>("/v1/auth/login", { email, password }));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{mode === "in" ? "Sign in to Wrenn" : "Create an account"}</h1>
        {notice && <p role="status">{notice}</p>}
        <ErrorNote message={error} />
        {mode === "up" && (
          <label>
            Name <input name="name" required maxLength={100} autoComplete="name" />
          </label>
        )}
        <label>
          Email <input name="email" type="email" required autoComplete="email" />
        </label>
        <label>
          Password <input name="password" type="password" required minLength={mode === "up" ? 8 : 1} autoComplete={mode === "in" ? "current-password" : "new-password"} />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {mode === "in" ? "Sign in" : "Sign up"}
        </button>
        <button type="button" class="link" onClick={() => { setMode(mode === "in" ? "up" : "in"); setError(null); }}>
          {mode === "in" ? "No account? Sign up" : "Have an account? Sign in"}
        </button>
      </form>
    </main>
  );
}
