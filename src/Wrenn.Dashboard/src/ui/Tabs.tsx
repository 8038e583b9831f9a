import { useRef } from "preact/hooks";

export interface TabItem<T extends string> {
  id: T;
  label: string;
}

const tabId = (prefix: string, id: string) => `${prefix}-${id}-tab`;
const panelId = (prefix: string, id: string) => `${prefix}-${id}-panel`;

/**
 * A tab list in the WAI-ARIA pattern: the selected tab is the one Tab stop, the arrow keys (and
 * Home, End) move between tabs and show them. Panels take their attributes from `tabPanel`.
 */
export function Tabs<T extends string>({ label, prefix, tabs, selected, onSelect }: {
  label: string;
  prefix: string;
  tabs: TabItem<T>[];
  selected: T;
  onSelect: (id: T) => void;
}) {
  const list = useRef<HTMLDivElement>(null);
  const keyDown = (event: KeyboardEvent) => {
    const index = tabs.findIndex((tab) => tab.id === selected);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length];
    onSelect(tab.id);
    list.current?.querySelector<HTMLElement>(`#${tabId(prefix, tab.id)}`)?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label={label} ref={list} onKeyDown={keyDown}>
      {tabs.map((tab) => (
        <button
          type="button"
          role="tab"
          id={tabId(prefix, tab.id)}
          aria-selected={tab.id === selected}
          aria-controls={panelId(prefix, tab.id)}
          tabIndex={tab.id === selected ? 0 : -1}
          onClick={() => onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

/** The attributes of the panel shown by tab `id`. */
export function tabPanel(prefix: string, id: string, selected: string) {
  return { role: "tabpanel" as const, id: panelId(prefix, id), "aria-labelledby": tabId(prefix, id), hidden: id !== selected };
}
