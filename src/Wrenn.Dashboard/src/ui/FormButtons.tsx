/** A dialog form's Cancel and submit buttons; the submit button names the work while it runs. */
export function FormButtons({ label, busyLabel, busy, disabled = false, danger = false, onCancel }: {
  label: string;
  busyLabel: string;
  busy: boolean;
  disabled?: boolean;
  danger?: boolean;
  onCancel: () => void;
}) {
  return (
    <div class="buttons">
      <button type="button" onClick={onCancel}>Cancel</button>
      <button type="submit" class={danger ? "danger" : "primary"} disabled={busy || disabled}>{busy ? busyLabel : label}</button>
    </div>
  );
}
