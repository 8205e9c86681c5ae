/**
 * The HTTP side of certificate status checking (issuance/ports.ts StatusFetcher): OCSP requests by
 * POST and CRLs by GET, each with a time limit and a size limit, read as a stream so that an
 * oversized answer is abandoned at the limit rather than held in memory.
 */
import type { StatusFetcher } from "../../issuance/ports";
import { readLimitedBody } from "./limited-body";

export interface HttpStatusOptions {
  /** Milliseconds for the whole exchange (connect, answer, body). */
  timeoutMs: number;
}

export function httpStatusFetcher(options: HttpStatusOptions): StatusFetcher {
  return async (request) => {
    if (!/^http:\/\//i.test(request.url)) throw new Error(`not an http URL: ${request.url}`);
    const response = await fetch(request.url, {
      method: request.body === undefined ? "GET" : "POST",
      headers: {
        accept: request.accept,
        ...(request.contentType === undefined ? {} : { "content-type": request.contentType }),
      },
      ...(request.body === undefined ? {} : { body: request.body.slice() }),
      redirect: "follow",
      signal: AbortSignal.timeout(options.timeoutMs),
    }).catch((error: unknown) => {
      throw new Error(failure(error, options.timeoutMs), { cause: error });
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > request.maxBytes) {
      await response.body?.cancel();
      throw new Error(`answered ${declared} bytes (at most ${request.maxBytes})`);
    }
    if (response.body === null) return new Uint8Array();
    return readLimitedBody(
      response.body,
      request.maxBytes,
      () => new Error(`answered more than ${request.maxBytes} bytes`),
    );
  };
}

/** Why an exchange failed, in a few words: "no answer within 5000 ms", "ECONNREFUSED", "other side closed". */
function failure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError")
    return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.message === "string") return cause.message;
  if (typeof cause?.code === "string") return cause.code;
  return error instanceof Error ? error.message : String(error);
}
