// Written by the page's own work item; a heading only until then.
export function Hosts() {
  return <h1>Hosts</h1>;
}
