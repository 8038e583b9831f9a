import type { Capsule } from "../api/types";

/** Why a guest tool is unavailable, and what would make it available (spec §3.3). */
export function NotRunning({ capsule, purpose }: { capsule: Capsule; purpose: string }) {
  let text: string;
  switch (capsule.status) {
    case "paused":
      text = `The capsule is paused. Resume the capsule to ${purpose}.`;
      break;
    case "pending":
    case "starting":
      text = `The capsule is starting; you can ${purpose} once it runs.`;
      break;
    case "missing":
      text = `The capsule's host is not responding; you can ${purpose} when it is back.`;
      break;
    case "stopped":
      text = "The capsule was deleted: its guest is gone.";
      break;
    default:
      text = "The capsule has failed: its guest is gone and cannot run again.";
  }
  return <p class="note" data-testid="not-running">{text}</p>;
}
