// Ctrl+Shift+C and Ctrl+Shift+V, the terminal convention on Linux and Windows: xterm would
// otherwise pass them to the shell (plain Ctrl+C and Ctrl+V are the shell's: interrupt and
// literal-next). On macOS, Cmd+C and Cmd+V already work through the browser's copy and paste.
import type { Terminal } from "@xterm/xterm";

export function installClipboardKeys(term: Terminal): void {
  term.attachCustomKeyEventHandler((event) => {
    if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return true;
    const key = event.key.toLowerCase();
    if (key === "c") {
      if (event.type === "keydown" && term.hasSelection()) {
        event.preventDefault();
        copy(term.getSelection());
      }
      return false;
    }
    // Not handled here and not prevented: the browser's own paste follows, and xterm's paste
    // listener sends the text (bracketed when the shell asked for it). That needs no clipboard
    // permission and works on plain-HTTP installs, where navigator.clipboard is absent.
    return key !== "v";
  });
}

function copy(text: string): void {
  if (navigator.clipboard?.writeText) {
    navigator.clipboard.writeText(text).catch(() => document.execCommand("copy"));
  } else {
    // Plain HTTP has no Clipboard API; a copy command still reaches xterm's copy listener, which
    // puts the selection on the clipboard.
    document.execCommand("copy");
  }
}
