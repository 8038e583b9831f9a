// Written by the page's own work item; a heading only until then.
export function Keys() {
  return <h1>Keys</h1>;
}
