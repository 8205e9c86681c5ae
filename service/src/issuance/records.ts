/**
 * Reading stored documents for the people allowed to: a school sees its own, the admin any.
 * Another school asking gets NOT_FOUND, exactly as for an id that does not exist, so ids never
 * reveal which documents exist elsewhere. Every read of personal data by staff is written to the
 * audit log (docs/school-records.md) before the data leaves the service.
 */
import type { Queryable } from "./ports";
import { HocbaError } from "../core/errors";
import type { IssuerActor } from "./documents";
import { audit } from "./stores/audit";
import { findRecord, type DocumentRecord } from "./stores/documents";

/** Who reads or acts: an issuer for its own code only, the admin (issuerCode null) for any. */
export type { IssuerActor };
/** A document row with its batch (issuance/stores/documents.ts). */
export type { DocumentRecord };

/** The document `id` if `caller` may see it; NOT_FOUND otherwise (unknown or another school's). */
export async function visibleRecord(
  db: Queryable,
  caller: IssuerActor | null,
  id: string,
): Promise<DocumentRecord> {
  const record = await findRecord(db, id);
  if (!record || (caller !== null && caller.issuerCode !== null && caller.issuerCode !== record.issuerCode)) {
    throw new HocbaError("NOT_FOUND", `no document ${id}`);
  }
  return record;
}

/** The status of a document for its school or the admin; the read is audited. */
export async function readDocument(db: Queryable, caller: IssuerActor, id: string): Promise<DocumentRecord> {
  const record = await visibleRecord(db, caller, id);
  await audit(db, caller.actor, "document.read", id, { view: "status" });
  return record;
}
