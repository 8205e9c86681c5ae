/**
 * The service path of the bulk page: with the office's verifier key, credentials (read from their
 * files by the workers) go to `POST /api/v1/verify/batch` in batches of at most 1,000 and at most
 * BATCH_BYTES of JSON (under the route's body limit), two requests at a time. The service runs the
 * same pipeline; the key lifts the anonymous per-address quota.
 *
 * The workers hand over each credential already serialised (UTF-8 JSON bytes); a body is a Blob of
 * those bytes between `{"credentials":[`, commas and `]}`, so the page never serialises or copies a
 * credential into a string itself.
 */
import type { VerificationResult } from "../../../service/src/core/verification";
import type { ReadProblem } from "./rows";

/** Credentials per request: the route's maximum. */
export const BATCH_ITEMS = 1000;
/** JSON bytes per request, under VERIFY_BATCH_BODY_LIMIT_BYTES' default of 8 MiB. */
export const BATCH_BYTES = 6 * 1024 * 1024;
/** Requests in flight. */
const PARALLEL = 2;

export type BatchOutcome = { result: VerificationResult } | { problem: ReadProblem };

interface Item {
  json: ArrayBuffer;
  done: (outcome: BatchOutcome) => void;
}

/**
 * Collects credentials and sends them in batches as they come; `flush()` sends the rest and
 * resolves when every answer is in.
 */
export class BatchVerifier {
  private items: Item[] = [];
  private bytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private waiting: (() => void)[] = [];
  /** Set when the service refused the key: later items fail at once with it. */
  rejected: string | undefined;

  constructor(
    private readonly api: string,
    private readonly key: string,
  ) {}

  /** Queues one credential (its compact JSON, UTF-8); its outcome comes through the promise. */
  verify(json: ArrayBuffer): Promise<BatchOutcome> {
    return new Promise((done) => {
      if (this.rejected !== undefined) {
        done({ problem: { code: "UNAUTHORIZED", message: this.rejected } });
        return;
      }
      if (
        this.items.length > 0 &&
        (this.bytes + json.byteLength > BATCH_BYTES || this.items.length >= BATCH_ITEMS)
      )
        this.send();
      this.items.push({ json, done });
      this.bytes += json.byteLength + 1;
    });
  }

  /** Sends what is queued and waits for every answer. */
  async flush(): Promise<void> {
    if (this.items.length > 0) this.send();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private send(): void {
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    const request = this.slot().then(() => this.post(items));
    const tracked = request.finally(() => {
      this.inFlight.delete(tracked);
      this.waiting.shift()?.();
    });
    this.inFlight.add(tracked);
  }

  /** Resolves when fewer than PARALLEL requests are in flight. */
  private slot(): Promise<void> {
    if (this.inFlight.size < PARALLEL) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async post(items: Item[]): Promise<void> {
    const fail = (code: string, message: string) => {
      for (const item of items) item.done({ problem: { code, message } });
    };
    if (this.rejected !== undefined) return fail("UNAUTHORIZED", this.rejected);
    let response: Response;
    try {
      response = await fetch(`${this.api}/api/v1/verify/batch`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${this.key}`,
        },
        body: batchBody(items.map((item) => item.json)),
      });
    } catch (error) {
      return fail("REQUEST_FAILED", `the service could not be reached: ${(error as Error).message}`);
    }
    const body = (await response.json().catch(() => null)) as {
      results?: VerificationResult[];
      error?: { code?: string; message?: string };
    } | null;
    if (response.status === 401 || response.status === 403) {
      this.rejected = `${response.status} ${body?.error?.code ?? ""}: ${body?.error?.message ?? ""}`.trim();
      return fail("UNAUTHORIZED", this.rejected);
    }
    if (!response.ok || !body?.results || body.results.length !== items.length)
      return fail(
        "REQUEST_FAILED",
        `the service answered ${response.status}${body?.error?.message ? `: ${body.error.message}` : ""}`,
      );
    items.forEach((item, index) => item.done({ result: body.results![index]! }));
  }
}

/** A batch body, `{"credentials":[…]}`, of credentials already serialised. */
export function batchBody(credentials: readonly ArrayBuffer[]): Blob {
  const parts: BlobPart[] = ['{"credentials":['];
  for (const [at, json] of credentials.entries()) {
    if (at > 0) parts.push(",");
    parts.push(json);
  }
  parts.push("]}");
  return new Blob(parts, { type: "application/json" });
}
