import { useEffect, useRef, useState } from "preact/hooks";

/**
 * A secret the server returns once (an API key, a host's registration token): shown with a copy
 * button and the warning that it cannot be read again.
 */
export function ShownOnce({ value, what, testId }: { value: string; what: string; testId?: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copyButton = useRef<HTMLButtonElement>(null);
  // It replaces the form that asked for it, whose focused button is gone: keep the keyboard here.
  useEffect(() => copyButton.current?.focus(), []);
  async function copy() {
    try {
      // Only secure contexts (HTTPS or localhost) have a clipboard; elsewhere the text is selectable.
      await navigator.clipboard.writeText(value);
      setCopied("Copied.");
    } catch {
      setCopied("Copying is not available here: select the text and copy it.");
    }
  }
  return (
    <div class="shown-once">
      <p class="warn" role="note">Copy the {what} now: it is shown only once and cannot be shown again.</p>
      <code class="secret" data-testid={testId}>{value}</code>
      <div class="actions">
        <button type="button" ref={copyButton} onClick={copy}>Copy</button>
        <span role="status" class="hint">{copied}</span>
      </div>
    </div>
  );
}
