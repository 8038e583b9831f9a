import type { Capsule } from "../api/types";
import { canDelete, canPause, canResume, deleteCapsule, pauseCapsule, resumeCapsule } from "./actions";
import { useAction } from "../ui/hooks";
import { ErrorNote } from "../ui/ErrorNote";

/**
 * Pause, resume and delete for one capsule; `changed` reloads whatever shows it, and `deleted`
 * (if given) runs after a successful delete instead.
 */
export function LifecycleButtons({ capsule, changed, deleted }: { capsule: Capsule; changed: () => void; deleted?: () => void }) {
  const action = useAction();
  const act = async (operation: (id: string) => Promise<unknown>) => {
    const ok = await action.run(() => operation(capsule.id));
    if (ok && operation === deleteCapsule && deleted) deleted();
    else changed();
  };
  const remove = () => {
    if (confirm(`Delete capsule ${capsule.id}? Its disk and memory are discarded.`)) void act(deleteCapsule);
  };
  return (
    <span class="actions">
      {canPause(capsule) && <button type="button" disabled={action.busy} onClick={() => act(pauseCapsule)}>Pause</button>}
      {canResume(capsule) && <button type="button" disabled={action.busy} onClick={() => act(resumeCapsule)}>Resume</button>}
      {canDelete(capsule) && <button type="button" class="danger" disabled={action.busy} onClick={remove}>Delete</button>}
      <ErrorNote message={action.error} />
    </span>
  );
}
