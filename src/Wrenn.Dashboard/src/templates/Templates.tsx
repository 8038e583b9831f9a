// Written by the page's own work item; a heading only until then.
export function Templates() {
  return <h1>Templates</h1>;
}
