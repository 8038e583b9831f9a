// The guest file routes the file browser uses (spec §4.11). Paths may start with "~": the guest
// resolves them against the template user's home, so the browser needs not know where that is.
import { post, send, upload } from "../api/http";
import type { FileEntry } from "../api/types";

const base = (capsuleId: string) => `/v1/capsules/${capsuleId}/files`;

/** A directory's entries, directories first, then by name. */
export async function listDirectory(capsuleId: string, path: string): Promise<FileEntry[]> {
  const { entries } = await post<{ entries: FileEntry[] }>(`${base(capsuleId)}/list`, { path, depth: 1 });
  return entries.sort((a, b) => Number(b.type === "directory") - Number(a.type === "directory") || a.name.localeCompare(b.name));
}

export const makeDirectory = (capsuleId: string, path: string) => post<{ entry: FileEntry }>(`${base(capsuleId)}/mkdir`, { path });

export const removePath = (capsuleId: string, path: string) => post<void>(`${base(capsuleId)}/remove`, { path });

/**
 * Saves a guest file through the browser's download. The streamed route has no size limit; the
 * bytes are held as a Blob until saved, so very large files cost that much browser memory.
 */
export async function downloadFile(capsuleId: string, entry: FileEntry): Promise<void> {
  const response = await send("POST", `${base(capsuleId)}/stream/read`, { path: entry.path });
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = entry.name;
  document.body.append(link);
  link.click();
  link.remove();
  // The click only starts the download; give it a moment before the bytes are released.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Uploads one file into `directory` (replacing a file of that name) through the streamed write. */
export function uploadFile(capsuleId: string, directory: string, file: File, onProgress: (fraction: number) => void): Promise<void> {
  const form = new FormData();
  // files/stream/write needs the path part before the file part.
  form.append("path", joinPath(directory, file.name));
  form.append("file", file);
  return upload(`${base(capsuleId)}/stream/write`, form, onProgress);
}

export function joinPath(directory: string, name: string): string {
  return directory.endsWith("/") ? directory + name : `${directory}/${name}`;
}

/** The directory above; for a "~" path the guest resolves the ".." itself. */
export function parentOf(path: string): string {
  if (!path.startsWith("/")) return joinPath(path, "..");
  const trimmed = path.replace(/\/+$/, "");
  const cut = trimmed.lastIndexOf("/");
  return cut <= 0 ? "/" : trimmed.slice(0, cut);
}
