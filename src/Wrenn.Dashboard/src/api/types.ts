// The API's objects as the dashboard reads them (spec §3.1, §4.9, §4.11, §4.12, §5.1, §7).

export type CapsuleStatus = "pending" | "starting" | "running" | "paused" | "missing" | "error" | "stopped";

export interface Capsule {
  id: string;
  status: CapsuleStatus;
  status_reason: string | null;
  template: string;
  vcpus: number;
  memory_mb: number;
  timeout_sec: number;
  created_at: string;
  started_at: string | null;
  last_active_at: string | null;
  last_updated: string;
  metadata: Record<string, string>;
}

export interface Template {
  name: string;
  type: "base" | "snapshot";
  vcpus: number | null;
  memory_mb: number | null;
  size_bytes: number;
  created_at: string;
  platform: boolean;
}

export interface Team {
  id: string;
  name: string;
  slug: string;
  created_at: string;
  role: "owner" | "admin" | "member";
}

/** One entry of a guest directory listing (spec §4.11); `modified_at` is Unix seconds. */
export interface FileEntry {
  name: string;
  path: string;
  type: "file" | "directory" | "symlink";
  size: number;
  mode: number;
  permissions: string;
  owner: string;
  group: string;
  modified_at: number;
  symlink_target: string | null;
}

/** A live process started through the API (spec §4.9). */
export interface ProcessInfo {
  pid: number;
  tag: string;
  cmd: string;
  args: string[];
  kind: "exec" | "background" | "stream" | "pty";
  started_at: string;
}

/** One metrics sample (spec §4.12); `timestamp_unix` is Unix seconds. */
export interface MetricPoint {
  timestamp_unix: number;
  cpu_pct: number;
  mem_bytes: number;
  disk_bytes: number;
}

export interface CapsuleMetrics {
  sandbox_id: string;
  range: string;
  points: MetricPoint[];
}
