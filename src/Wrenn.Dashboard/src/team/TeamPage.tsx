// Written by the page's own work item; a heading only until then.
export function TeamPage() {
  return <h1>TeamPage</h1>;
}
