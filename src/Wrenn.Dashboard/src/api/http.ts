// The one way the dashboard talks to the API: same origin, the session's bearer token in the
// Authorization header (never in a URL), and every failure an ApiError carrying the server's message.
import { session } from "../session/session";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Body = object | FormData | Blob | undefined;

async function failure(response: Response): Promise<ApiError> {
  return failureOf(response.status, response.statusText, await response.text().catch(() => ""));
}

function failureOf(status: number, statusText: string, text: string): ApiError {
  try {
    const body = JSON.parse(text);
    if (body?.error?.message) return new ApiError(status, body.error.code, body.error.message);
  } catch {
    // Not the API's JSON error shape (a proxy in front of the server, say): report the status.
  }
  return new ApiError(status, "http_" + status, `the server answered ${status} ${statusText}`);
}

export async function send(method: string, path: string, body?: Body, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = session.value?.token;
  if (token) headers.set("Authorization", "Bearer " + token);
  let payload: BodyInit | undefined;
  if (body instanceof FormData || body instanceof Blob) payload = body;
  else if (body !== undefined) {
    headers.set("Content-Type", "application/json");
    payload = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, { ...init, method, headers, body: payload });
  } catch {
    throw new ApiError(0, "network", "the server cannot be reached");
  }
  if (response.status === 401 && token) session.expire();
  if (!response.ok) throw await failure(response);
  return response;
}

export async function call<T>(method: string, path: string, body?: Body): Promise<T> {
  const response = await send(method, path, body);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/**
 * Sends a multipart body reporting upload progress (0–1). XMLHttpRequest, because fetch cannot
 * report how much of a request body has gone out; the token and errors are handled as in send.
 */
export function upload(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const token = session.value?.token;
    request.open("POST", path);
    if (token) request.setRequestHeader("Authorization", "Bearer " + token);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onerror = () => reject(new ApiError(0, "network", "the server cannot be reached"));
    request.onabort = () => reject(new ApiError(0, "aborted", "the upload was cancelled"));
    request.onload = () => {
      if (request.status === 401 && token) session.expire();
      if (request.status >= 200 && request.status < 300) resolve();
      else reject(failureOf(request.status, request.statusText, request.responseText));
    };
    request.send(form);
  });
}

export const get = <T>(path: string) => call<T>("GET", path);
export const post = <T>(path: string, body: Body = {}) => call<T>("POST", path, body);
export const patch = <T>(path: string, body: Body) => call<T>("PATCH", path, body);
export const del = (path: string) => call<void>("DELETE", path);

/** The message to show for any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
