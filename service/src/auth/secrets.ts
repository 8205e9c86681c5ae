/**
 * Bearer secrets: issuer and verifier API keys, share tokens, the admin token. Keys are 256-bit
 * random values; only their SHA-256 is stored (a slow KDF adds nothing to a random 256-bit secret
 * and would cost every request). Comparisons are constant-time.
 *
 * API key format: `hocba_<kind letter>_<id>_<secret>`; the id (public, 12 hex) finds the row, the
 * secret (43 base64url chars) proves possession.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export type ApiKeyKind = "issuer" | "verifier";

export interface NewApiKey {
  id: string;
  /** The full key, shown once to its owner and never stored. */
  key: string;
  secretHash: string;
}

const KIND_LETTER: Record<ApiKeyKind, string> = { issuer: "i", verifier: "v" };
const API_KEY = /^hocba_([iv])_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** A fresh random secret, base64url (256 bits). */
export function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function newApiKey(kind: ApiKeyKind): NewApiKey {
  const id = randomBytes(6).toString("hex");
  const secret = randomSecret();
  return { id, key: `hocba_${KIND_LETTER[kind]}_${id}_${secret}`, secretHash: sha256Hex(secret) };
}

/** Splits a presented key; undefined when it is not shaped like one of ours. */
export function parseApiKey(key: string): { kind: ApiKeyKind; id: string; secret: string } | undefined {
  const m = API_KEY.exec(key);
  if (!m) return undefined;
  return { kind: m[1] === "i" ? "issuer" : "verifier", id: m[2]!, secret: m[3]! };
}

/** Constant-time comparison of two hex digests (or any equal-length strings). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Does `presented` match the expected secret? Compares digests so lengths never leak. */
export function secretMatches(presented: string, expected: string): boolean {
  return safeEqual(sha256Hex(presented), sha256Hex(expected));
}

/** The token from an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
