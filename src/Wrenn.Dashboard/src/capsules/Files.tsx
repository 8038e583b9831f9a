import { useEffect, useState } from "preact/hooks";
import { messageOf } from "../api/http";
import type { FileEntry } from "../api/types";
import { ErrorNote } from "../ui/ErrorNote";
import { ago, bytes, fullTime } from "../ui/format";
import { useAction, usePolled } from "../ui/hooks";
import { downloadFile, joinPath, listDirectory, makeDirectory, parentOf, removePath, uploadFile } from "./files";
import { Uploads, type UploadProgress } from "./Uploads";

const isoOf = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/** A file browser over the guest's filesystem, starting in the template user's home ("~"). */
export function Files({ capsuleId }: { capsuleId: string }) {
  const [path, setPath] = useState("~");
  const [draft, setDraft] = useState(path);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const listing = usePolled(() => listDirectory(capsuleId, path), [capsuleId, path]);
  const action = useAction();
  const entries = listing.data ?? [];
  // The listing names its entries by absolute path: that shows where "~" or ".." led.
  const directory = entries.length > 0 ? parentOf(entries[0].path) : path;
  const loaded = listing.data !== undefined;
  useEffect(() => {
    if (loaded) setDraft(directory);
  }, [directory, loaded]);

  const open = (target: string) => {
    action.setError(null);
    setPath(target);
  };

  const go = (event: Event) => {
    event.preventDefault();
    // The field itself, not `draft`: a submit right after typing may precede the re-render.
    const target = String(new FormData(event.currentTarget as HTMLFormElement).get("path") ?? "").trim();
    if (target) open(target);
  };

  const createFolder = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get("folder") ?? "").trim();
    if (!name) return;
    if (await action.run(() => makeDirectory(capsuleId, joinPath(directory, name)))) {
      form.reset();
      await listing.reload();
    }
  };

  const remove = async (entry: FileEntry) => {
    const what = entry.type === "directory" ? `the folder ${entry.path} and everything in it` : entry.path;
    if (!confirm(`Delete ${what}?`)) return;
    if (await action.run(() => removePath(capsuleId, entry.path))) await listing.reload();
  };

  const send = async (files: File[]) => {
    if (files.length === 0 || progress) return;
    const taken = files.filter((file) => entries.some((entry) => entry.name === file.name));
    if (taken.length > 0 && !confirm(`Replace ${taken.map((file) => file.name).join(", ")} in ${directory}?`)) return;
    const failures: string[] = [];
    for (const [index, file] of files.entries()) {
      setProgress({ name: file.name, index, count: files.length, fraction: 0 });
      try {
        await uploadFile(capsuleId, directory, file, (fraction) => setProgress({ name: file.name, index, count: files.length, fraction }));
      } catch (e) {
        failures.push(`${file.name}: ${messageOf(e)}`);
      }
    }
    setProgress(null);
    action.setError(failures.length > 0 ? `Upload failed — ${failures.join("; ")}` : null);
    await listing.reload();
  };

  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const items = [...(event.dataTransfer?.items ?? [])];
    // A dropped folder arrives as an unreadable File; only plain files are uploaded.
    const files = items.filter((item) => item.kind === "file" && !item.webkitGetAsEntry?.()?.isDirectory).map((item) => item.getAsFile()!).filter(Boolean);
    void send(files);
  };

  return (
    <div
      class={`files${dragging ? " dropping" : ""}`}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (!(event.currentTarget as HTMLElement).contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={drop}
    >
      <form class="path-form" onSubmit={go}>
        <label>
          Path <input name="path" class="mono" value={draft} onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)} spellcheck={false} />
        </label>
        <button type="submit">Go</button>
        <button type="button" onClick={() => void listing.reload()}>Refresh</button>
      </form>
      <div class="file-tools">
        <label class="upload">
          Upload files
          <input
            type="file"
            multiple
            disabled={progress !== null}
            onChange={(e) => {
              const input = e.currentTarget as HTMLInputElement;
              void send([...(input.files ?? [])]).finally(() => (input.value = ""));
            }}
          />
        </label>
        <form class="inline-form" onSubmit={createFolder}>
          <label>
            New folder <input name="folder" required spellcheck={false} />
          </label>
          <button type="submit" disabled={action.busy}>Create</button>
        </form>
      </div>
      <p class="hint">Files can also be dropped here; uploads go to {directory} and replace files of the same name.</p>
      <Uploads progress={progress} />
      <ErrorNote message={action.error ?? listing.error} />
      <table class="list file-list">
        <thead>
          <tr><th>Name</th><th>Size</th><th>Permissions</th><th>Owner</th><th>Modified</th><th><span class="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody>
          {directory !== "/" && (
            <tr>
              <td colSpan={6}><button type="button" class="link" onClick={() => open(parentOf(directory))} aria-label="Up to the parent folder">..</button></td>
            </tr>
          )}
          {entries.map((entry) => (
            <tr data-path={entry.path} data-type={entry.type}>
              <td class="mono">
                {entry.type === "file" ? entry.name : (
                  <button type="button" class="link" onClick={() => open(entry.path)}>{entry.name}{entry.type === "directory" ? "/" : ""}</button>
                )}
                {entry.symlink_target !== null && <span class="hint"> → {entry.symlink_target}</span>}
              </td>
              <td>{entry.type === "directory" ? "—" : bytes(entry.size)}</td>
              <td class="mono">{entry.permissions}</td>
              <td>{entry.owner}</td>
              <td title={fullTime(isoOf(entry.modified_at))}>{ago(isoOf(entry.modified_at))}</td>
              <td>
                <span class="actions">
                  {entry.type !== "directory" && (
                    <button type="button" disabled={action.busy} onClick={() => void action.run(() => downloadFile(capsuleId, entry))} aria-label={`Download ${entry.name}`}>
                      Download
                    </button>
                  )}
                  <button type="button" class="danger" disabled={action.busy} onClick={() => void remove(entry)} aria-label={`Delete ${entry.name}`}>
                    Delete
                  </button>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {listing.data && entries.length === 0 && <p class="empty">This folder is empty.</p>}
    </div>
  );
}
