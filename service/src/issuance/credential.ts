/**
 * The credential file `hocba/1` (docs/formats.md): the document exactly as signed, its detached CMS,
 * and where it is anchored with its Merkle proof — everything a verifier needs, with no call back
 * to this service. It exists only once the document's batch is confirmed (NOT_ANCHORED_YET before).
 * A revoked or superseded document still gets its credential: the file is a fact about what was
 * signed and anchored, and verification reports the revocation or correction from the chain and
 * the service. Before handing a file out, the document's canonical bytes are hashed again and
 * compared with the stored docHash, so a storage round trip that changed the document (jsonb)
 * can never produce a credential that fails its own integrity check. The document goes out with
 * its members in canonical (RFC 8785) order rather than jsonb's: the same JSON value, which a
 * verifier can hash without reordering it.
 */
import type { Queryable } from "./ports";
import { inCanonicalForm } from "../core/documents";
import { HocbaError } from "../core/errors";
import { CREDENTIAL_FORMAT, DISCLOSABLE_CREDENTIAL_FORMAT, type Credential } from "../core/verification";
import { SIGNED_PDF_TYPE } from "../core/verification/pdf";
import { withholding, type DisclosureKey } from "../core/documents/disclosure";
import { visibleRecord, type IssuerActor } from "./records";
import { audit } from "./stores/audit";
import { anchorProof } from "./stores/batches";
import { shareTokenFor } from "./share";

const GRADUATION_TYPE = "hocba.graduation/v1";

/** The file this service hands out: the core's format, with the document as stored (in canonical member order). */
export type { Credential };

/** The chain a credential names: the one this service anchors on. */
export interface CredentialChain {
  chainId: number;
  registry: string;
}

/**
 * How the credential is asked for: by a school or the admin, with a school's share token, or with
 * access the caller has already decided (`granted`: a citizen's own record, an opened share link —
 * issuance/citizen-records.ts, issuance/shares.ts), named for the audit log.
 */
export type CredentialAccess =
  | { caller: IssuerActor }
  | { shareToken: string }
  | { granted: { actor: string; details: Record<string, unknown> } };

/**
 * Builds the credential of document `id`.
 * @throws HocbaError NOT_FOUND (unknown, other school's, bad token), NOT_ANCHORED_YET (batch not confirmed).
 */
export async function credentialFor(
  db: Queryable,
  chain: CredentialChain,
  access: CredentialAccess,
  id: string,
  /** Parts to leave out of a hocba/2 credential (ignored for hocba/1, which has none). */
  withhold: readonly DisclosureKey[] = [],
): Promise<Credential> {
  let actor: string;
  let details: Record<string, unknown>;
  if ("caller" in access) {
    actor = access.caller.actor;
    details = { view: "credential" };
  } else if ("granted" in access) {
    actor = access.granted.actor;
    details = { view: "credential", ...access.granted.details };
  } else {
    const tokenId = await shareTokenFor(db, id, access.shareToken);
    actor = `share:${tokenId}`;
    details = { view: "credential", tokenId };
  }
  const record = await visibleRecord(db, "caller" in access ? access.caller : null, id);
  if (record.type === GRADUATION_TYPE) {
    // The district signed its import file, not each row: a row alone carries no signature that
    // verifies, so it gets no credential file. Its proof is in the graduates search answer.
    throw new HocbaError(
      "NOT_FOUND",
      `document ${id} is a graduation record: it has no credential file (see GET /api/v1/graduates/search for its proof)`,
    );
  }
  if (record.type === SIGNED_PDF_TYPE) {
    // The school signed the PDF itself: its proof is the hocba/pdf-1 file, public by the PDF's hash.
    throw new HocbaError(
      "NOT_FOUND",
      `document ${id} is a signed PDF: it has no credential file (its proof is GET /api/v1/pdf-proofs/${record.docHash})`,
    );
  }
  if (record.anchor === null || record.leafIndex === null) {
    throw new HocbaError(
      "NOT_ANCHORED_YET",
      `document ${id} is not anchored yet: try again after its batch is confirmed`,
    );
  }
  const proof = await anchorProof(db, id, record.leafIndex);
  const { rows } = await db.query<{
    document: unknown;
    sd: { document: unknown; disclosures: string[] } | null;
    signature: Uint8Array;
  }>("SELECT document, sd, signature FROM documents WHERE id = $1", [id]);
  const row = rows[0];
  if (!row) throw new HocbaError("NOT_FOUND", `no document ${id}`);
  // The signed form: the selectively disclosable one when the school signed that.
  const canonical = inCanonicalForm(row.sd === null ? row.document : row.sd.document);
  if (canonical.docHash !== record.docHash) {
    throw new HocbaError("INTERNAL", `stored document ${id} no longer hashes to its docHash`);
  }
  await audit(db, actor, "document.read", id, details);
  return {
    ...(row.sd === null
      ? { format: CREDENTIAL_FORMAT, document: canonical.document }
      : {
          format: DISCLOSABLE_CREDENTIAL_FORMAT,
          document: canonical.document,
          disclosures: withholding(
            canonical.document as Record<string, unknown>,
            row.sd.disclosures,
            withhold,
          ),
        }),
    signature: Buffer.from(row.signature).toString("base64"),
    anchor: {
      chainId: chain.chainId,
      registry: chain.registry,
      merkleRoot: record.anchor.merkleRoot,
      leaf: record.leaf,
      proof,
      txHash: record.anchor.txHash,
      blockNumber: record.anchor.blockNumber,
      anchoredAt: record.anchor.anchoredAt.toISOString(),
    },
  };
}
