/**
 * Small HTTP helpers the benchmarks share: a JSON call of the API with a bearer token, and a
 * bounded-concurrency loop.
 */
import type { Server } from "./stack";

/** A JSON call of the API as `token`; throws with the status and the start of the body on ≥ 300. */
export async function api<T>(
  server: Pick<Server, "url">,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Runs `work(i)` for i in [0, count) with `parallel` in flight. */
export async function pool(
  count: number,
  parallel: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
