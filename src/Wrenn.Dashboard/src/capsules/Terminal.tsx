import { FitAddon } from "@xterm/addon-fit";
import { Terminal as XTerm } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "preact/hooks";
import { ErrorNote } from "../ui/ErrorNote";
import { PtyConnection, type PtyState } from "./ptyConnection";
import { installClipboardKeys } from "./terminalClipboard";

const detachAfterHiddenMs = 5 * 60_000;

function describe(state: PtyState): string {
  switch (state.kind) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return `Connected to session ${state.tag}`;
    case "reconnecting":
      return `Disconnected — reconnecting (next try in ${state.seconds} s)…`;
    case "waiting":
      return "Disconnected — waiting for the capsule to run again.";
    case "detached":
      return "Detached while the page was in the background, so that the capsule can pause when idle.";
    case "exited":
      return `The process exited with code ${state.code}.`;
    case "ended":
      return state.message;
  }
}

/**
 * An interactive shell in the capsule. xterm keeps its default DOM renderer: the rows stay
 * readable text (for screen readers and the browser tests) and no canvas addon is shipped.
 */
export function Terminal({ capsuleId, running }: { capsuleId: string; running: boolean }) {
  const container = useRef<HTMLDivElement>(null);
  const connection = useRef<PtyConnection | null>(null);
  const [state, setState] = useState<PtyState>({ kind: "connecting" });
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const element = container.current!;
    const xterm = new XTerm({
      cursorBlink: true,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
      fontSize: 14,
      scrollback: 5000,
      theme: { background: "#0d1117" },
    });
    const fit = new FitAddon();
    xterm.loadAddon(fit);
    xterm.open(element);
    installClipboardKeys(xterm);
    // Fitting a hidden terminal (another tab shown) would shrink it to nothing.
    let frame = 0;
    const refit = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (element.clientWidth > 0 && element.clientHeight > 0) fit.fit();
      });
    };
    if (element.clientWidth > 0) fit.fit();
    const observer = new ResizeObserver(refit);
    observer.observe(element);

    const link = new PtyConnection(
      capsuleId,
      xterm,
      (next) => {
        setState(next);
        if (next.kind === "connected") {
          setNotice(null);
          // Take the keyboard only if nothing else has it (the page just opened) or one of this
          // terminal's own buttons does: xterm keeps Tab for the shell, so taking it from the tab
          // list or a form would strand a keyboard user.
          const active = document.activeElement;
          if (!active || active === document.body || element.parentElement?.contains(active)) xterm.focus();
        }
      },
      setNotice,
    );
    connection.current = link;
    link.begin();
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      link.dispose();
      xterm.dispose();
      connection.current = null;
    };
  }, [capsuleId]);

  useEffect(() => connection.current?.setRunning(running), [running]);

  // Hidden for a while (another browser tab, a minimised window): let the session go until the
  // page is seen again, when it re-attaches to the same shell.
  useEffect(() => {
    let timer = 0;
    const changed = () => {
      window.clearTimeout(timer);
      if (document.hidden) timer = window.setTimeout(() => connection.current?.detach(), detachAfterHiddenMs);
      else if (connection.current?.detached) connection.current.reconnect();
    };
    document.addEventListener("visibilitychange", changed);
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", changed);
    };
  }, []);

  const end = () => {
    if (confirm("End this terminal session? Its processes are killed.")) connection.current?.kill();
  };
  const live = state.kind === "connected";
  const canReconnect = state.kind === "reconnecting" || state.kind === "waiting" || state.kind === "detached" || (state.kind === "ended" && state.canReconnect);
  return (
    <div class="terminal-box">
      <div class="terminal-bar">
        <span role="status" class={`terminal-state terminal-${state.kind}`} data-state={state.kind}>{describe(state)}</span>
        <span class="actions">
          {canReconnect && running && <button type="button" onClick={() => connection.current?.reconnect()}>Reconnect</button>}
          {!live && state.kind !== "connecting" && running && <button type="button" onClick={() => connection.current?.newSession()}>New session</button>}
          {live && <button type="button" class="danger" onClick={end}>End session</button>}
        </span>
      </div>
      <ErrorNote message={notice} />
      <div class="terminal terminal-screen" data-testid="terminal" ref={container} />
      <p class="hint">Ctrl+Shift+C copies the selection and Ctrl+Shift+V pastes. Clicking outside the terminal gives the keyboard back to the page.</p>
    </div>
  );
}
