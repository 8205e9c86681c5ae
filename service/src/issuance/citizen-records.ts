/**
 * A signed-in citizen's own records (docs/citizens.md): every transcript and graduation record
 * whose student citizen ID is the citizen's — or, for a guardian, one of their children's
 * (CITIZEN_GUARDIAN_CLAIM) — with its status, and the share links made for them. Found by
 * `documents.document->'student'->>'citizenId'` (indexed, migration 010). Any other id is
 * NOT_FOUND, exactly as an id that does not exist, so a citizen learns nothing of others' records.
 */
import type { Queryable } from "./ports";
import { HocbaError } from "../core/errors";
import { DOCUMENTS_WITH_BATCH, RECORD_COLUMNS, recordOf, type DocumentRecord } from "./stores/documents";

/** Whose records a citizen session may see. */
export interface Holder {
  citizenId: string;
  guardianOf: readonly string[];
}

export interface CitizenRecord extends DocumentRecord {
  /** `self`: the citizen's own; `child`: a child's, seen as their guardian. */
  relation: "self" | "child";
  studentName: string;
  dateOfBirth: string;
  /** The school (transcript), or the authority that decided a graduation record (district office or department). */
  issuerName: string;
  schoolName: string;
  /** Transcripts: each school year and grade, in order (what `years/<n>` withholds). */
  years: { schoolYear: string; grade: number }[];
  /** hocba/2 transcripts: the parts that may be withheld when sharing. */
  withholdable: string[];
  /** Graduation records. */
  graduation?: { year: number; diplomaSerial: string; decision: string };
}

interface Extra {
  document: {
    student?: { fullName?: string; dateOfBirth?: string; citizenId?: string };
    school?: { name?: string };
    district?: { name?: string };
    decidedBy?: { name?: string };
    years?: { schoolYear: string; grade: number }[];
    graduationYear?: number;
    diplomaSerial?: string;
    decision?: { number?: string; date?: string };
  };
  sd: boolean;
}

const ids = (holder: Holder) => [holder.citizenId, ...holder.guardianOf];

/** The citizen's records (and their children's), newest first. */
export async function citizenRecords(db: Queryable, holder: Holder): Promise<CitizenRecord[]> {
  const { rows } = await db.query<Parameters<typeof recordOf>[0] & Extra>(
    `SELECT ${RECORD_COLUMNS}, d.document, d.sd IS NOT NULL AS sd
       FROM ${DOCUMENTS_WITH_BATCH}
      WHERE d.document->'student'->>'citizenId' = ANY($1::text[])
      ORDER BY d.created_at DESC, d.id`,
    [ids(holder)],
  );
  return rows.map((row) => {
    const doc = row.document;
    const years = (doc.years ?? []).map((y) => ({ schoolYear: y.schoolYear, grade: y.grade }));
    const transcript = row.type === "hocba.transcript/v1";
    return {
      ...recordOf(row),
      relation: doc.student?.citizenId === holder.citizenId ? "self" : "child",
      studentName: doc.student?.fullName ?? "",
      dateOfBirth: doc.student?.dateOfBirth ?? "",
      issuerName:
        (transcript ? doc.school?.name : (doc.decidedBy?.name ?? doc.district?.name)) ?? row.issuer_code,
      schoolName: doc.school?.name ?? "",
      years,
      withholdable:
        transcript && row.sd
          ? ["citizenId", "ethnicity", "placeOfBirth", ...years.map((_y, i) => `years/${i}`)]
          : [],
      ...(doc.graduationYear !== undefined
        ? {
            graduation: {
              year: doc.graduationYear,
              diplomaSerial: doc.diplomaSerial ?? "",
              decision: [doc.decision?.number, doc.decision?.date].filter(Boolean).join(", "),
            },
          }
        : {}),
    };
  });
}

/** The ids of every record the citizen may see. */
export async function citizenDocumentIds(db: Queryable, holder: Holder): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM documents WHERE document->'student'->>'citizenId' = ANY($1::text[])",
    [ids(holder)],
  );
  return rows.map((r) => r.id);
}

/** Throws NOT_FOUND unless document `id` is the citizen's (or their child's). */
export async function checkHolderOf(db: Queryable, holder: Holder, id: string): Promise<void> {
  const { rowCount } = await db.query(
    "SELECT 1 FROM documents WHERE id = $1 AND document->'student'->>'citizenId' = ANY($2::text[])",
    [id, ids(holder)],
  );
  if (rowCount === 0) throw new HocbaError("NOT_FOUND", `no document ${id}`);
}
