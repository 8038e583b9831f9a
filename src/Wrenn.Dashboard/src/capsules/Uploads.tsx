export interface UploadProgress {
  name: string;
  index: number;
  count: number;
  fraction: number;
}

/** The upload under way, if any: which file, which of how many, and how far. */
export function Uploads({ progress }: { progress: UploadProgress | null }) {
  if (!progress) return null;
  const percent = Math.round(progress.fraction * 100);
  const label = `Uploading ${progress.name}${progress.count > 1 ? ` (${progress.index + 1} of ${progress.count})` : ""}`;
  return (
    <p class="upload-progress">
      <span role="status">{label}</span>
      <progress max={100} value={percent} aria-label={label}>{percent} %</progress>
      <span>{percent} %</span>
    </p>
  );
}
