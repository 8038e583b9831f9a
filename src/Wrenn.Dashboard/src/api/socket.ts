// WebSockets of the stream protocols (spec §4.10). Browsers cannot set headers on an upgrade, so
// the token goes in the first message (spec §2.3, browser fallback), never in the URL.
import { session } from "../session/session";

export type StreamMessage = { type: string; [key: string]: unknown };

/**
 * Opens a stream socket and authenticates it. `onOpen` runs right after the auth message, so a
 * protocol's own first message (a PTY's start, say) follows it in order.
 */
export function openStream(
  path: string,
  onMessage: (message: StreamMessage) => void,
  onClose: (event: CloseEvent) => void,
  onOpen?: (socket: WebSocket) => void,
): WebSocket {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${path}`);
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: "auth", token: session.value?.token ?? "" }));
    onOpen?.(socket);
  };
  socket.onmessage = (event) => {
    let message: StreamMessage;
    try {
      message = JSON.parse(event.data as string) as StreamMessage;
    } catch {
      // Not the protocol (every message is one JSON object): end the socket as a protocol error.
      socket.close(4002, "malformed message");
      return;
    }
    onMessage(message);
  };
  socket.onclose = onClose;
  return socket;
}

export function sendMessage(socket: WebSocket, message: StreamMessage): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}
