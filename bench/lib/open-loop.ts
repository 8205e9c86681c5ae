/**
 * A constant-rate (open-loop) HTTP load: one request every 1/rate seconds, sent on schedule
 * whether or not earlier ones have been answered, each latency measured from the moment the
 * request was due (not from when a free connection happened to send it), as wrk2 does.
 *
 * autocannon's `overallRate` is not this: each connection may send `rate / connections` requests
 * per second, sends them back to back as soon as its one-second budget is renewed, then waits for
 * the next second. At 200/s over 20 connections that is a burst of 200 requests at a concurrency of
 * 20 at the top of every second and silence after it — its latencies are those of the burst.
 */
import { Agent, request as httpRequest } from "node:http";

export interface OpenLoopRequest {
  path: string;
  /** A JSON body to POST (default: a GET). */
  json?: string;
  /** Request headers besides content-type (an API key, say). */
  headers?: Record<string, string>;
  /** Called with the answer; return false to count the answer as wrong. */
  check: (status: number, body: string) => boolean;
}

export interface OpenLoopResult {
  /** Requests sent (= rate × seconds, whatever the server did). */
  sent: number;
  answered: number;
  /** Answers `check` refused, and transport errors. */
  wrong: number;
  errors: number;
  /** Achieved rate of answers over the whole run, per second. */
  rate: number;
  /** Latency from the due time (or the send, if earlier) to the last byte of the answer, ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Largest delay between a request's due time and its actual send, ms (client scheduling). */
  maxSendDelay: number;
  /** The slowest answers: seconds into the run when each was due, and its latency in ms. */
  slowest: { at: number; latency: number }[];
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Sends `next()` requests to `baseUrl` at `rate` per second for `seconds`.
 * @example
 * const r = await openLoop("http://127.0.0.1:8080", { rate: 200, seconds: 30 }, () => ({
 *   path: "/healthz", check: (status) => status === 200,
 * }));
 */
export async function openLoop(
  baseUrl: string,
  { rate, seconds, maxSockets = 256 }: { rate: number; seconds: number; maxSockets?: number },
  next: () => OpenLoopRequest,
): Promise<OpenLoopResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const timeline: { at: number; latency: number }[] = [];
  let wrong = 0;
  let errors = 0;
  let maxSendDelay = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();

  const send = (due: number, { path, json, headers, check }: OpenLoopRequest): Promise<void> =>
    new Promise((resolve) => {
      const now = performance.now();
      maxSendDelay = Math.max(maxSendDelay, now - due);
      // Late (the client was busy): count from the due time. Early (timer slack): from the send.
      const from = Math.min(due, now);
      const req = httpRequest(
        {
          agent,
          hostname: url.hostname,
          port: url.port,
          path,
          method: json === undefined ? "GET" : "POST",
          headers: { ...headers, ...(json === undefined ? {} : { "content-type": "application/json" }) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const latency = performance.now() - from;
            latencies.push(latency);
            timeline.push({ at: (due - start) / 1000, latency });
            if (!check(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))) wrong++;
            resolve();
          });
          res.on("error", () => {
            errors++;
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(json);
    });

  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(send(due, next()));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    sent: total,
    answered: latencies.length,
    wrong,
    errors,
    rate: latencies.length / elapsed,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    maxSendDelay,
    slowest: timeline.sort((a, b) => b.latency - a.latency).slice(0, 10),
  };
}
