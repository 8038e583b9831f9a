// Written by the page's own work item; a heading only until then.
export function CapsulePage() {
  return <h1>CapsulePage</h1>;
}
