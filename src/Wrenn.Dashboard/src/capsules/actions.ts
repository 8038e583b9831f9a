import { del, post } from "../api/http";
import type { Capsule } from "../api/types";

// The lifecycle operations the dashboard offers, and when each applies (spec §3.3).
export const pauseCapsule = (id: string) => post<Capsule>(`/v1/capsules/${id}/pause`);
export const resumeCapsule = (id: string) => post<Capsule>(`/v1/capsules/${id}/resume`);
export const deleteCapsule = (id: string) => del(`/v1/capsules/${id}`);

export const canPause = (capsule: Capsule) => capsule.status === "running";
export const canResume = (capsule: Capsule) => capsule.status === "paused";
export const canDelete = (capsule: Capsule) => capsule.status !== "stopped";
