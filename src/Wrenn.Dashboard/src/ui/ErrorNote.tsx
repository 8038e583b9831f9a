/** A failure as the server worded it, announced to screen readers. */
export function ErrorNote({ message }: { message: string | null | undefined }) {
  return message ? <p class="error" role="alert">{message}</p> : null;
}
