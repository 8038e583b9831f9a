import type { CapsuleStatus } from "../api/types";

export function StatusBadge({ status, reason }: { status: CapsuleStatus; reason?: string | null }) {
  return (
    <span class={`status status-${status}`} title={reason ?? undefined} data-status={status}>
      {status}
    </span>
  );
}
