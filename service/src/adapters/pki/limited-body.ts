/**
 * Reading an HTTP answer's body as a stream within a size limit, for the fetchers of the PKI
 * (status-http.ts: OCSP and CRLs; aia-fetcher.ts: issuer certificates): an oversized answer is
 * abandoned at the limit rather than held in memory.
 */

/**
 * The whole body, unless it grows past `maxBytes`: then the read is cancelled and `tooLarge()` is
 * thrown. A failed read rejects with the stream's error.
 */
export async function readLimitedBody(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}
