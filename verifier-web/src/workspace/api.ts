/**
 * The workspace's calls to the staff API: same-origin with the session cookie, JSON answers, and
 * the session's CSRF token on every state-changing request (docs/staff-sign-in.md). An answer is
 * its status and body; an error body is `{ error: { code, message, details } }` (docs/http-api.md).
 */

export interface Answer<T> {
  status: number;
  body: T;
}

export interface ApiError {
  error?: { code?: string; message?: string; details?: unknown };
}

let csrfToken: string | undefined;

/** The signed-in session's CSRF token, sent as `x-csrf-token` on POST/PUT/DELETE. */
export function useCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** GET `url`; the body parsed as JSON (`{}` when it is not JSON). */
export function getJson<T>(url: string): Promise<Answer<T & ApiError>> {
  return call<T>("GET", url);
}

/** POST `body` (JSON-encoded unless bytes or a file) to `url`, with the CSRF token. */
export function postJson<T>(
  url: string,
  body?: unknown,
  contentType?: string,
): Promise<Answer<T & ApiError>> {
  return call<T>("POST", url, body, contentType);
}

/** DELETE `url`, with the CSRF token. */
export function deleteJson<T>(url: string): Promise<Answer<T & ApiError>> {
  return call<T>("DELETE", url);
}

async function call<T>(
  method: string,
  url: string,
  body?: unknown,
  contentType?: string,
): Promise<Answer<T & ApiError>> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET" && csrfToken !== undefined) headers["x-csrf-token"] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof Blob || body instanceof Uint8Array) {
    payload = body instanceof Uint8Array ? new Blob([body as Uint8Array<ArrayBuffer>]) : body;
    headers["content-type"] = contentType ?? "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const response = await fetch(url, { method, credentials: "same-origin", headers, body: payload ?? null });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T & ApiError };
}

/** The error code of an answer, or `HTTP <status>`. */
export function errorCode(answer: Answer<ApiError>): string {
  return answer.body.error?.code ?? `HTTP ${answer.status}`;
}
