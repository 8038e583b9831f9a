// Written by the page's own work item; a heading only until then.
export function AuditLog() {
  return <h1>AuditLog</h1>;
}
