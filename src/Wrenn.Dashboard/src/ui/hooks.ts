import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { messageOf } from "../api/http";

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  reload: () => Promise<void>;
}

/**
 * Loads with `load` now and then every `intervalMs` while the tab is visible (0: once), keeping
 * the last good data when a reload fails. Live status comes from this: polling one cheap GET is
 * simpler and as quick as a push channel for a page that shows one team's capsules.
 */
export function usePolled<T>(load: () => Promise<T>, deps: unknown[], intervalMs = 0): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const value = await loadRef.current();
      if (mine === generation.current) {
        setData(value);
        setError(null);
      }
    } catch (e) {
      if (mine === generation.current) setError(messageOf(e));
    }
  }, []);

  useEffect(() => {
    setData(undefined);
    void reload();
    if (intervalMs <= 0) return undefined;
    let timer = 0;
    // A cleanup that runs while a tick awaits its load finds no timer to clear: the flag keeps
    // that tick from scheduling another, which would poll on after unmount or beside the new deps.
    let stopped = false;
    const tick = async () => {
      if (!document.hidden) await reload();
      if (!stopped) timer = window.setTimeout(tick, intervalMs);
    };
    timer = window.setTimeout(tick, intervalMs);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, deps);

  return { data, error, reload };
}

/** Runs one user action at a time, remembering its failure for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/**
 * A dialog with a form: whether it is open, its action, and a close that forgets the last failure
 * (and whatever `reset` clears), so that reopening starts clean.
 */
export function useDialogForm(reset?: () => void) {
  const [open, setOpen] = useState(false);
  const action = useAction();
  const close = () => {
    reset?.();
    action.setError(null);
    setOpen(false);
  };
  return { open, show: () => setOpen(true), close, action };
}
