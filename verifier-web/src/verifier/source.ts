/**
 * Where the credential comes from: a file the person chose or dropped (`.hocba.json`, or a PDF
 * with the credential embedded), or a share link. A share link opens the page as
 * `/#credential=<URL-encoded credential URL>` — the fragment never reaches a server, so the share
 * token stays out of access logs and Referer headers; `/?credential=…` is accepted too.
 */
import { ERROR_CODES, HocbaError, type ErrorCode } from "../../../service/src/core/errors";

export type CredentialSource = { kind: "file"; name: string } | { kind: "link"; url: string };

/** Reads the credential URL of a share link from the page's location, if there is one. */
export function sharedCredentialUrl(location: Location): string | undefined {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, "")).get("credential");
  const fromQuery = new URLSearchParams(location.search).get("credential");
  const raw = fromHash ?? fromQuery;
  if (!raw) return undefined;
  const url = new URL(raw, location.origin);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`unsupported link ${url.protocol}`);
  return url.href;
}

/**
 * The verifier link that opens `credentialUrl` (what the QR code holds). A credential on the page's
 * own origin is named by its path, which keeps the QR code small enough to scan from a printout.
 */
export function shareLinkFor(pageUrl: string, credentialUrl: string): string {
  const page = new URL(pageUrl);
  const credential = new URL(credentialUrl);
  const target =
    credential.origin === page.origin ? credential.pathname + credential.search : credential.href;
  page.hash = `credential=${encodeURIComponent(target)}`;
  page.search = "";
  return page.href;
}

/** A page link or a bare credential URL scanned from a QR code, as the credential URL. */
export function credentialUrlFromScan(text: string, origin: string): string {
  const url = new URL(text, origin);
  const inner =
    new URLSearchParams(url.hash.replace(/^#/, "")).get("credential") ?? url.searchParams.get("credential");
  return inner ? new URL(inner, origin).href : url.href;
}

/**
 * Fetches the credential JSON behind a share link.
 * @throws HocbaError with the service's code (SHARE_REVOKED, SHARE_EXPIRED, NOT_FOUND…) when it gave one.
 */
export async function fetchCredential(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    const code = body?.error?.code;
    const message = body?.error
      ? `${response.status} ${body.error.code}: ${body.error.message}`
      : `HTTP ${response.status}`;
    // The service's own codes travel as such, so the page can say them in the reader's language.
    if (code !== undefined && (ERROR_CODES as readonly string[]).includes(code))
      throw new HocbaError(code as ErrorCode, message);
    throw new Error(message);
  }
  return (await response.json()) as unknown;
}

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46]; // %PDF

/** Whether the bytes are a PDF file. */
export function isPdf(bytes: Uint8Array): boolean {
  return PDF_MAGIC.every((byte, index) => bytes[index] === byte);
}

/**
 * The credential in a chosen file: parsed JSON (or the text itself when it is not JSON, for the
 * format check to reject); a PDF through `extractFromPdf` (the credential the service embeds).
 */
export async function readCredentialFile(
  file: File,
  extractFromPdf: (bytes: Uint8Array) => Promise<unknown>,
): Promise<unknown> {
  return readCredentialBytes(new Uint8Array(await file.arrayBuffer()), extractFromPdf);
}

/** The credential in a file's bytes (see `readCredentialFile`); the bulk page's workers read these. */
export async function readCredentialBytes(
  bytes: Uint8Array,
  extractFromPdf: (bytes: Uint8Array) => Promise<unknown>,
): Promise<unknown> {
  if (isPdf(bytes)) return extractFromPdf(bytes);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes).replace(/^\uFEFF/, "");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the format check reports it like any other malformed credential.
    return text;
  }
}
