/**
 * The IssuerFetcher of core/pki over HTTP: GET a certificate's caIssuers URL with a timeout and a
 * size limit, keep what answered a certificate in memory and, when a folder is given, on disk
 * (DATA_DIR/aia-cache, one file per URL named by the URL's SHA-256, owner-only), so that each
 * licensed CA's certificate is fetched once for the life of the data directory — a restart reads
 * the file. Failures are not kept: the CA's site may answer next time.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HocbaError } from "../../core/errors";
import { certificatesOfBundle, isFetchableUrl, type IssuerFetcher } from "../../core/pki";
import { readLimitedBody } from "./limited-body";

export interface AiaFetcherOptions {
  /** Folder of the persistent cache; none: memory only. */
  cacheDir?: string;
  /** Per request; default 5 s. */
  timeoutMs?: number;
  /** Largest answer read; default 256 KiB (a CA certificate is 1–2 KB, a bundle a few). */
  maxBytes?: number;
}

export const AIA_TIMEOUT_MS = 5_000;
export const AIA_MAX_BYTES = 256 * 1024;

/**
 * @example
 * const store = createTrustStore(roots, { fetchIssuer: aiaFetcher({ cacheDir: "data/aia-cache" }) });
 */
export function aiaFetcher(options: AiaFetcherOptions = {}): IssuerFetcher & { requests(): number } {
  const timeoutMs = options.timeoutMs ?? AIA_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? AIA_MAX_BYTES;
  const memory = new Map<string, Promise<Uint8Array>>();
  let requests = 0;
  const fileOf = (url: string): string | undefined =>
    options.cacheDir && path.join(options.cacheDir, createHash("sha256").update(url).digest("hex") + ".der");

  const load = async (url: string): Promise<Uint8Array> => {
    const file = fileOf(url);
    if (file !== undefined && existsSync(file)) return new Uint8Array(readFileSync(file));
    if (!isFetchableUrl(url)) throw unavailable(url, "only http(s) caIssuers URLs are followed");
    requests++;
    const body = await get(url, timeoutMs, maxBytes);
    certificatesOfBundle(body, url); // only a certificate answer is kept
    if (file !== undefined) {
      mkdirSync(options.cacheDir!, { recursive: true, mode: 0o700 });
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, body, { mode: 0o600 });
      renameSync(partial, file);
    }
    return body;
  };

  const fetchIssuer = (url: string): Promise<Uint8Array> => {
    let answer = memory.get(url);
    if (answer === undefined) {
      answer = load(url);
      memory.set(url, answer);
      answer.catch(() => memory.delete(url));
    }
    return answer;
  };
  return Object.assign(fetchIssuer, { requests: () => requests });
}

function unavailable(url: string, why: string, cause?: unknown): HocbaError {
  return new HocbaError("CERT_CHAIN_INCOMPLETE", `${url}: ${why}`, cause === undefined ? {} : { cause });
}

async function get(url: string, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  let response: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    response = await fetch(url, { signal, redirect: "follow" });
  } catch (cause) {
    throw unavailable(
      url,
      signal.aborted ? `no answer within ${timeoutMs} ms` : `unreachable (${String(cause)})`,
      cause,
    );
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    throw unavailable(url, `answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw unavailable(url, `the answer is ${declared} bytes (at most ${maxBytes})`);
  }
  try {
    return await readLimitedBody(response.body, maxBytes, () =>
      unavailable(url, `the answer is more than ${maxBytes} bytes`),
    );
  } catch (cause) {
    if (cause instanceof HocbaError) throw cause;
    throw unavailable(
      url,
      signal.aborted ? `no answer within ${timeoutMs} ms` : `the answer broke off (${String(cause)})`,
      cause,
    );
  }
}
