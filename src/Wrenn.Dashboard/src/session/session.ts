// The signed-in user's session (spec §7.1). The token lives in this origin's localStorage, so that
// every tab of the dashboard shares it, and nowhere else: capsule ports are served on other host
// names (spec §6), which cannot read it, and the Content-Security-Policy admits no inline script.
import { signal } from "@preact/signals";

export type Role = "owner" | "admin" | "member";

export interface Session {
  token: string;
  expires_at: string;
  user_id: string;
  team_id: string;
  email: string;
  name: string;
  role: Role;
  is_admin: boolean;
}

const storageKey = "wrenn.session";

function stored(): Session | null {
  try {
    const value = JSON.parse(localStorage.getItem(storageKey) ?? "null") as Session | null;
    return value && Date.parse(value.expires_at) > Date.now() ? value : null;
  } catch {
    return null;
  }
}

const current = signal<Session | null>(stored());
/** Why the last session ended, shown on the sign-in page. */
export const endReason = signal<string | null>(null);

// Another tab signing in or out changes this one too.
addEventListener("storage", (event) => {
  if (event.key === storageKey) current.value = stored();
});

export const session = {
  get value() {
    return current.value;
  },
  signal: current,
  start(value: Session) {
    localStorage.setItem(storageKey, JSON.stringify(value));
    endReason.value = null;
    current.value = value;
  },
  end() {
    localStorage.removeItem(storageKey);
    current.value = null;
  },
  expire() {
    endReason.value = "Your session has ended; please sign in again.";
    session.end();
  },
};
