/**
 * Share links a holder controls (docs/citizens.md, Shares): a link to one document's credential
 * with a chosen set of parts withheld (hocba/2), an expiry, revocable at any time, and an access
 * log of every opening — when, which kind of client, from which network (IPv4 /24, IPv6 /48; the
 * full address is never stored). The token is a 256-bit secret shown once; only its SHA-256 is
 * kept. Opening an unknown token is NOT_FOUND; an expired link SHARE_EXPIRED and a revoked one
 * SHARE_REVOKED (both logged). Who may make, list or revoke a document's links is the caller's
 * to decide (citizens: their own records, issuance/citizen-records.ts); this module only keeps
 * the links.
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import type { Database, Queryable } from "./ports";
import { randomSecret, sha256Hex } from "../auth/secrets";
import { HocbaError } from "../core/errors";
import { audit } from "./stores/audit";
import { isDisclosureKey, type DisclosureKey } from "../core/documents/disclosure";

/** The expiry of a link when none is chosen. */
export const DEFAULT_SHARE_DAYS = 30;

export type ShareKind = "link" | "pdf";
export type ShareState = "active" | "expired" | "revoked";

export interface Share {
  id: string;
  documentId: string;
  withhold: DisclosureKey[];
  kind: ShareKind;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  state: ShareState;
}

export interface ShareAccess {
  at: Date;
  clientKind: "browser" | "cli" | "other";
  /** The client's network: a.b.c.0/24 or an IPv6 /48. */
  network: string;
  outcome: "opened" | "expired" | "revoked";
}

export interface NewShareInput {
  documentId: string;
  /** Parts to leave out (hocba/2 disclosure keys: citizenId, ethnicity, placeOfBirth, years/<n>). */
  withhold: readonly string[];
  /** 1 … maxDays; default DEFAULT_SHARE_DAYS. */
  expiresInDays?: number;
  kind?: ShareKind;
  /** The audit log's name of who makes it. */
  actor: string;
}

const COLUMNS = `id, document_id, withhold, kind, created_by, created_at, expires_at, revoked_at,
  CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN 'expired' ELSE 'active' END AS state`;

interface Row {
  id: string;
  document_id: string;
  withhold: string[];
  kind: ShareKind;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  state: ShareState;
}

function shareOf(row: Row): Share {
  return {
    id: row.id,
    documentId: row.document_id,
    withhold: row.withhold.filter(isDisclosureKey),
    kind: row.kind,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    state: row.state,
  };
}

/**
 * Checks a withhold set against document `documentId`'s withholdable parts: DISCLOSURE_INVALID for
 * a part the document does not have (or any part of a plain hocba/1 document).
 */
async function checkWithhold(
  db: Queryable,
  documentId: string,
  withhold: readonly string[],
): Promise<DisclosureKey[]> {
  const keys = [...new Set(withhold)];
  const bad = keys.filter((k) => !isDisclosureKey(k));
  if (bad.length > 0)
    throw new HocbaError("DISCLOSURE_INVALID", `not a part that can be withheld: ${bad.join(", ")}`, {
      details: { unknown: bad },
    });
  const { rows } = await db.query<{ type: string; sd: boolean; years: number }>(
    `SELECT type, sd IS NOT NULL AS sd, COALESCE(jsonb_array_length(document->'years'), 0) AS years
       FROM documents WHERE id = $1`,
    [documentId],
  );
  const doc = rows[0];
  if (!doc) throw new HocbaError("NOT_FOUND", `no document ${documentId}`);
  if (doc.type !== "hocba.transcript/v1")
    throw new HocbaError("NOT_FOUND", `document ${documentId} has no credential file to share`);
  if (keys.length > 0 && !doc.sd)
    throw new HocbaError(
      "DISCLOSURE_INVALID",
      `document ${documentId} was signed without withholdable parts (hocba/1): it can only be shared whole`,
    );
  const missing = keys.filter((k) => k.startsWith("years/") && Number(k.slice(6)) >= doc.years);
  if (missing.length > 0)
    throw new HocbaError("DISCLOSURE_INVALID", `the document has no ${missing.join(", ")}`, {
      details: { unknown: missing },
    });
  return keys as DisclosureKey[];
}

/**
 * Makes a share link to document `documentId` (the caller has checked it may); audited. Returns
 * the link and its token (shown once).
 * @throws HocbaError SCHEMA_INVALID (expiry out of range), DISCLOSURE_INVALID (withhold set), NOT_FOUND.
 */
export async function createShare(
  db: Database,
  input: NewShareInput,
  maxDays: number,
): Promise<{ share: Share; token: string }> {
  const days = input.expiresInDays ?? DEFAULT_SHARE_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > maxDays)
    throw new HocbaError("SCHEMA_INVALID", `a share link lasts 1 to ${maxDays} days (got ${days})`, {
      details: [{ path: "/expiresInDays", message: `1 to ${maxDays}` }],
    });
  return db.transaction(async (tx) => {
    const withhold = await checkWithhold(tx, input.documentId, input.withhold);
    const id = randomBytes(8).toString("hex");
    const token = randomSecret();
    const { rows } = await tx.query<Row>(
      `INSERT INTO shares (id, token_hash, document_id, withhold, kind, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 day') RETURNING ${COLUMNS}`,
      [id, sha256Hex(token), input.documentId, withhold, input.kind ?? "link", input.actor, days],
    );
    await audit(tx, input.actor, "share.created", input.documentId, {
      shareId: id,
      withhold,
      days,
      kind: input.kind ?? "link",
    });
    return { share: shareOf(rows[0]!), token };
  });
}

/** The links of documents `documentIds`, newest first. */
export async function listShares(db: Queryable, documentIds: readonly string[]): Promise<Share[]> {
  if (documentIds.length === 0) return [];
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM shares WHERE document_id = ANY($1::uuid[]) ORDER BY created_at DESC, id`,
    [documentIds],
  );
  return rows.map(shareOf);
}

/** How many times each of links `ids` was opened (links never opened are absent). */
export async function openedCounts(db: Queryable, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ share_id: string; n: number }>(
    `SELECT share_id, count(*)::int AS n FROM share_accesses
      WHERE share_id = ANY($1::text[]) AND outcome = 'opened' GROUP BY share_id`,
    [ids],
  );
  return new Map(rows.map((r) => [r.share_id, r.n]));
}

/** Link `id` if it belongs to one of `documentIds`; NOT_FOUND otherwise (no oracle for others' links). */
export async function shareOfDocuments(
  db: Queryable,
  id: string,
  documentIds: readonly string[],
): Promise<Share> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM shares WHERE id = $1 AND document_id = ANY($2::uuid[])`,
    [id, documentIds],
  );
  if (!rows[0]) throw new HocbaError("NOT_FOUND", `no share link ${id}`);
  return shareOf(rows[0]);
}

/** Revokes link `id` of one of `documentIds` (already revoked: unchanged); audited. */
export async function revokeShare(
  db: Database,
  actor: string,
  id: string,
  documentIds: readonly string[],
): Promise<Share> {
  return db.transaction(async (tx) => {
    await shareOfDocuments(tx, id, documentIds);
    const { rows } = await tx.query<Row>(
      `UPDATE shares SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    await audit(tx, actor, "share.revoked", rows[0]!.document_id, { shareId: id });
    return shareOf(rows[0]!);
  });
}

/** The access log of link `id`, newest first (at most `limit` entries). */
export async function shareAccesses(db: Queryable, id: string, limit = 200): Promise<ShareAccess[]> {
  const { rows } = await db.query<{
    accessed_at: Date;
    client_kind: ShareAccess["clientKind"];
    network: string;
    outcome: ShareAccess["outcome"];
  }>(
    `SELECT accessed_at, client_kind, network, outcome FROM share_accesses WHERE share_id = $1
      ORDER BY accessed_at DESC, id DESC LIMIT $2`,
    [id, limit],
  );
  return rows.map((r) => ({
    at: r.accessed_at,
    clientKind: r.client_kind,
    network: r.network,
    outcome: r.outcome,
  }));
}

/** The network of a client address: IPv4 /24, IPv6 /48 (an IPv4-mapped IPv6 address as IPv4). */
export function networkOf(address: string | undefined): string {
  const ip = (address ?? "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  if (isIP(ip) === 4) return `${ip.split(".").slice(0, 3).join(".")}.0/24`;
  if (isIP(ip) === 6) {
    const [head = "", tail = ""] = ip.split("::");
    const left = head === "" ? [] : head.split(":");
    const right = tail === "" ? [] : tail.split(":");
    const groups = ip.includes("::")
      ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
      : left;
    return `${groups
      .slice(0, 3)
      .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
      .join(":")}::/48`;
  }
  return "unknown";
}

/** The kind of client of a User-Agent: a browser, a command-line client (hocba, curl…), or other. */
export function clientKindOf(userAgent: string | undefined): ShareAccess["clientKind"] {
  const ua = userAgent ?? "";
  if (/^Mozilla\//.test(ua)) return "browser";
  if (/^(hocba|curl|wget|node|undici|python-requests|httpie)\b/i.test(ua)) return "cli";
  return "other";
}

/**
 * Opens link `token` for a client: the link when active, its opening logged. NOT_FOUND for an
 * unknown token; SHARE_EXPIRED / SHARE_REVOKED (logged too) for a link that no longer opens.
 */
export async function openShare(
  db: Database,
  token: string,
  client: { address: string | undefined; userAgent: string | undefined },
): Promise<Share> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM shares WHERE token_hash = $1`, [
    sha256Hex(token),
  ]);
  if (!rows[0]) throw new HocbaError("NOT_FOUND", "no such share link");
  const share = shareOf(rows[0]);
  const outcome = share.state === "active" ? "opened" : share.state;
  await db.query(
    "INSERT INTO share_accesses (share_id, client_kind, network, outcome) VALUES ($1, $2, $3, $4)",
    [share.id, clientKindOf(client.userAgent), networkOf(client.address), outcome],
  );
  if (share.state === "expired")
    throw new HocbaError("SHARE_EXPIRED", `this share link expired on ${share.expiresAt.toISOString()}`);
  if (share.state === "revoked") throw new HocbaError("SHARE_REVOKED", "the holder revoked this share link");
  return share;
}

/** The API path a share link's token opens (the reduced credential). */
export function sharedCredentialPath(token: string): string {
  return `/api/v1/shares/credential?token=${encodeURIComponent(token)}`;
}

/** The verifier page link of a share link: the credential URL in the fragment (never sent to a server). */
export function shareVerifierLink(publicUrl: string, token: string): string {
  return `${publicUrl}/#credential=${encodeURIComponent(publicUrl + sharedCredentialPath(token))}`;
}
