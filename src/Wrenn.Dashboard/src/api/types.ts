// The API's objects as the dashboard reads them (spec §3.1, §5.1, §7).

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
