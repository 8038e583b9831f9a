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

// Team administration: members (§7.2), API keys (§7.3), hosts (§7.4), the audit log (§7.5) and
// template builds (docs/builds.md).

export interface Member {
  user_id: string;
  email: string;
  name: string;
  role: Team["role"];
  joined_at: string;
}

export interface TeamDetail {
  team: Team;
  members: Member[];
}

export interface ApiKey {
  id: string;
  team_id: string;
  name: string;
  key_prefix: string;
  /** The creating user's ID (null for keys made by the server itself). */
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface CreatedApiKey extends ApiKey {
  key: string;
}

export type HostStatus = "pending" | "online" | "draining" | "unreachable";

export interface Host {
  id: string;
  type: "regular" | "byoc";
  team_id: string | null;
  status: HostStatus;
  address: string | null;
  arch: string | null;
  cpu_cores: number | null;
  memory_mb: number | null;
  disk_gb: number | null;
  provider: string | null;
  availability_zone: string | null;
  last_heartbeat_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface HostToken {
  host: Host;
  registration_token: string;
}

export interface AuditEntry {
  id: string;
  created_at: string;
  actor_type: "user" | "api_key" | "system";
  actor_id: string | null;
  actor_name: string | null;
  resource_type: string;
  resource_id: string | null;
  action: string;
  status: "success" | "failure";
  metadata: Record<string, string>;
}

export interface AuditPage {
  items: AuditEntry[];
  next_cursor: string | null;
}

export type BuildStatus = "pending" | "running" | "success" | "failed" | "cancelled";

export interface BuildStep {
  step: number;
  phase: "pre-build" | "recipe" | "post-build";
  cmd: string;
  stdout: string;
  stderr: string;
  exit: number;
  ok: boolean;
  elapsed_ms: number;
}

export interface Build {
  id: string;
  name: string;
  base_template: string;
  recipe: string[];
  healthcheck: string | null;
  vcpus: number;
  memory_mb: number;
  skip_pre_post: boolean;
  platform: boolean;
  status: BuildStatus;
  current_step: number;
  total_steps: number;
  error: string | null;
  sandbox_id: string | null;
  template: string | null;
  size_bytes: number | null;
  duration_ms: number | null;
  cached: boolean;
  cached_from: string | null;
  default_user: string;
  default_env: Record<string, string>;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  /** Present on GET /v1/builds/{id} only. */
  logs: BuildStep[] | null;
}

export interface BuildRequest {
  name: string;
  base_template: string;
  recipe: string[];
  healthcheck: string | null;
  vcpus: number | null;
  memory_mb: number | null;
  skip_pre_post: boolean;
}
