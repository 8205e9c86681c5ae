/**
 * The HTTP transport of RFC 3161 (§3.4): a DER TimeStampReq POSTed as application/timestamp-query,
 * the DER TimeStampResp read back. What the answer means is decided in core/pki/timestamp.ts.
 */
import { HocbaError, isHocbaError } from "../../core/errors";
import { requestTimestamp, type TimestampTransport } from "../../core/pki";

/** A TimeStampResp is a few KB; a TSA that sends more is not answering the question asked. */
const MAX_RESPONSE_BYTES = 1_048_576;
export const TSA_TIMEOUT_MS = 30_000;

/**
 * A transport to the TSA at `url` (http or https).
 * @throws HocbaError USAGE for a URL that is not http(s); the transport throws TSA_UNAVAILABLE when
 *   the TSA cannot be reached, times out, or answers with an HTTP error status.
 * @example
 * const token = await requestTimestamp(signatureValue, httpTimestampTransport("http://tsa.example/tsr"));
 */
export function httpTimestampTransport(url: string, timeoutMs: number = TSA_TIMEOUT_MS): TimestampTransport {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HocbaError("USAGE", `--tsa ${url}: not a URL (e.g. http://tsa.example.vn/tsr)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new HocbaError("USAGE", `--tsa ${url}: the TSA URL must be http:// or https://`);
  return async (request) => {
    let response: Response;
    try {
      response = await fetch(parsed, {
        method: "POST",
        headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply" },
        body: request.slice(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? ((error.cause as Error | undefined)?.message ?? error.message)
          : String(error);
      throw new HocbaError("TSA_UNAVAILABLE", `the TSA ${url} cannot be reached: ${reason}`, {
        cause: error,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new HocbaError(
        "TSA_UNAVAILABLE",
        `the TSA ${url} answered HTTP ${response.status} ${response.statusText}`,
      );
    }
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > MAX_RESPONSE_BYTES) {
      await response.body?.cancel();
      throw new HocbaError(
        "TSA_RESPONSE_INVALID",
        `the TSA ${url} answered ${length} bytes, not a timestamp`,
      );
    }
    const body = new Uint8Array(await response.arrayBuffer());
    if (body.length > MAX_RESPONSE_BYTES)
      throw new HocbaError(
        "TSA_RESPONSE_INVALID",
        `the TSA ${url} answered ${body.length} bytes, not a timestamp`,
      );
    return body;
  };
}

/**
 * A signature timestamper over the TSA at `url` (SignOptions.timestamp): asks for a token over a
 * signature value and checks the answer (core/pki/timestamp.ts). Every error names the TSA.
 * @throws HocbaError USAGE for a URL that is not http(s) (at once); the timestamper throws
 *   TSA_UNAVAILABLE, TSA_REJECTED or TSA_RESPONSE_INVALID.
 * @example
 * const cms = await signDetached(content, signers, { timestamp: httpTimestamper("http://tsa.example/tsr") });
 */
export function httpTimestamper(
  url: string,
  timeoutMs: number = TSA_TIMEOUT_MS,
): (signatureValue: Uint8Array) => Promise<Uint8Array> {
  const transport = httpTimestampTransport(url, timeoutMs);
  return async (value) => {
    try {
      return await requestTimestamp(value, transport);
    } catch (error) {
      if (!isHocbaError(error) || error.message.includes(url)) throw error;
      throw new HocbaError(error.code, `${url}: ${error.message}`, { cause: error });
    }
  };
}
