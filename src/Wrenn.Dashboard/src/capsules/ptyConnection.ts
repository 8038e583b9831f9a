// One browser terminal's link to a PTY session in the capsule (spec §4.10.3). Sessions outlive
// their socket, so a dropped connection re-attaches to the same shell by its tag instead of
// starting a new one; the tag is kept per browser tab so that a reload re-attaches too.
import type { Terminal } from "@xterm/xterm";
import { get } from "../api/http";
import { openStream, sendMessage, type StreamMessage } from "../api/socket";
import type { Capsule } from "../api/types";
import { base64ToBytes, binaryToBase64, textToBase64 } from "./base64";

export type PtyState =
  | { kind: "connecting" }
  | { kind: "connected"; tag: string }
  | { kind: "reconnecting"; seconds: number }
  | { kind: "waiting" }
  | { kind: "detached" }
  | { kind: "exited"; code: number }
  | { kind: "ended"; message: string; canReconnect: boolean };

type Mode = "start" | "connect";

const maxBackoffMs = 10_000;
// WebSocket close codes of spec §4.10.
const closeGoingAway = 1001;
const closePolicy = 1008;
const closeInternal = 1011;

export class PtyConnection {
  private socket: WebSocket | null = null;
  private tag: string | null;
  private attempt = 0;
  private timer = 0;
  private running = true;
  private disposed = false;
  private state: PtyState = { kind: "connecting" };
  // Keys typed while the session is being reached are sent once it is: a user who types at once
  // after opening the page loses nothing. Bounded, so a long outage does not replay a novel.
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly capsuleId: string,
    private readonly term: Terminal,
    private readonly onState: (state: PtyState) => void,
    private readonly onNotice: (message: string) => void,
  ) {
    this.tag = readTag(capsuleId);
    term.onData((data) => this.input(textToBase64(data)));
    term.onBinary((data) => this.input(binaryToBase64(data)));
    term.onResize(({ cols, rows }) => this.send({ type: "resize", cols, rows }));
  }

  /** Re-attaches to this tab's earlier session if there is one, else starts a new one. */
  begin(): void {
    if (this.tag) this.open("connect", true);
    else this.open("start");
  }

  newSession(): void {
    this.remember(null);
    this.term.reset();
    this.attempt = 0;
    this.open("start");
  }

  reconnect(): void {
    this.attempt = 0;
    this.open(this.tag ? "connect" : "start");
  }

  /**
   * Lets go of the session without ending it. An attached terminal keeps the capsule busy (spec
   * §3.4), so a page left open in a background tab would keep it from ever pausing on its own.
   */
  detach(): void {
    window.clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.setState({ kind: "detached" });
  }

  get detached(): boolean {
    return this.state.kind === "detached";
  }

  /** SIGKILL to the session's process group; the server then reports the exit. */
  kill(): void {
    this.send({ type: "kill" });
  }

  /** The page's view of the capsule: a session lost to a pause reconnects once it runs again. */
  setRunning(running: boolean): void {
    this.running = running;
    if (running && this.state.kind === "waiting") this.reconnect();
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    // Closing only detaches: the session lives on in the guest for the next visit.
    socket?.close(1000);
  }

  private input(data: string): void {
    if (this.state.kind === "connected") this.send({ type: "input", data });
    else if (this.state.kind === "connecting" && this.pendingBytes + data.length <= 16384) {
      this.pending.push(data);
      this.pendingBytes += data.length;
    }
  }

  private flushPending(): void {
    for (const data of this.pending) this.send({ type: "input", data });
    this.pending = [];
    this.pendingBytes = 0;
  }

  private send(message: StreamMessage): void {
    if (this.socket && this.state.kind === "connected") sendMessage(this.socket, message);
  }

  private setState(state: PtyState): void {
    this.state = state;
    this.onState(state);
  }

  private remember(tag: string | null): void {
    this.tag = tag;
    writeTag(this.capsuleId, tag);
  }

  private open(mode: Mode, remembered = false): void {
    window.clearTimeout(this.timer);
    this.socket?.close(1000);
    if (this.attempt === 0) this.setState({ kind: "connecting" });
    let started = false;
    let exited = false;
    let fatal: string | null = null;
    const socket = openStream(
      `/v1/capsules/${this.capsuleId}/pty`,
      (message) => {
        if (socket !== this.socket) return;
        switch (message.type) {
          case "started":
            started = true;
            this.attempt = 0;
            this.remember(String(message.tag));
            this.setState({ kind: "connected", tag: String(message.tag) });
            // A re-attached session may have another size than this terminal now has.
            if (mode === "connect") this.send({ type: "resize", cols: this.term.cols, rows: this.term.rows });
            this.flushPending();
            break;
          case "output":
            this.term.write(base64ToBytes(String(message.data)));
            break;
          case "exit":
            exited = true;
            this.remember(null);
            this.setState({ kind: "exited", code: Number(message.exit_code) });
            break;
          case "error":
            if (message.fatal) fatal = String(message.data);
            else this.onNotice(String(message.data));
            break;
          default:
            break; // "ping": a keepalive, nothing to do
        }
      },
      (event) => {
        if (socket !== this.socket || this.disposed) return;
        this.socket = null;
        if (!exited) void this.afterClose(mode, remembered, started, fatal, event.code);
      },
      (opened) =>
        sendMessage(opened, mode === "start" ? { type: "start", cols: this.term.cols, rows: this.term.rows } : { type: "connect", tag: this.tag }),
    );
    this.socket = socket;
  }

  /** Decides, after a close without an exit, whether to retry, wait for the capsule, or stop. */
  private async afterClose(mode: Mode, remembered: boolean, started: boolean, fatal: string | null, code: number): Promise<void> {
    if (code === closePolicy) {
      this.setState({ kind: "ended", message: fatal ?? "authentication failed", canReconnect: false });
      return;
    }
    if (fatal === null || code === closeInternal) {
      // The connection broke (or the server failed) under a live session: it is still there.
      this.retry();
      return;
    }
    if (code === closeGoingAway) {
      // Paused, snapshotted, deleted or the server restarting: the session survives the first three.
      this.waitForCapsule();
      return;
    }
    if (started) {
      // Another tab took the session over, or the guest failed: retrying could fight that tab.
      this.setState({ kind: "ended", message: fatal, canReconnect: this.tag !== null });
      return;
    }
    // The start or connect itself was refused: because the capsule is not running, or for good.
    let capsule: Capsule | null = null;
    try {
      capsule = await get<Capsule>(`/v1/capsules/${this.capsuleId}`);
    } catch {
      this.retry();
      return;
    }
    if (this.disposed) return;
    if (capsule.status !== "running") this.waitForCapsule();
    else if (mode === "connect" && remembered) this.newSession(); // an earlier visit's session has ended since
    else {
      if (mode === "connect") this.remember(null);
      this.setState({ kind: "ended", message: fatal, canReconnect: false });
    }
  }

  private retry(): void {
    this.attempt++;
    const delay = Math.min(500 * 2 ** (this.attempt - 1), maxBackoffMs);
    this.setState({ kind: "reconnecting", seconds: Math.ceil(delay / 1000) });
    this.timer = window.setTimeout(() => {
      if (!this.running) this.setState({ kind: "waiting" });
      else this.open(this.tag ? "connect" : "start");
    }, delay);
  }

  private waitForCapsule(): void {
    this.setState({ kind: "waiting" });
    // The page's status poll may not have seen the pause yet; if it never does (a server
    // restart), try again after a while.
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      if (this.running && this.state.kind === "waiting") this.retry();
    }, 2000);
  }
}

const storageKey = (capsuleId: string) => `wrenn.pty.${capsuleId}`;

function readTag(capsuleId: string): string | null {
  try {
    return sessionStorage.getItem(storageKey(capsuleId));
  } catch {
    return null; // storage disabled: every visit starts a session
  }
}

function writeTag(capsuleId: string, tag: string | null): void {
  try {
    if (tag) sessionStorage.setItem(storageKey(capsuleId), tag);
    else sessionStorage.removeItem(storageKey(capsuleId));
  } catch {
    // storage disabled: nothing to remember
  }
}
