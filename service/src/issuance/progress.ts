/**
 * The department's view (docs/staff-sign-in.md, The department's view): every registered school's
 * progress as counts of its documents by state — never a student's record, name or id. The read
 * is audited like every staff action.
 */
import { DOCUMENTS_WITH_BATCH, STATUS_SQL } from "./stores/documents";
import type { Database } from "./ports";
import { audit } from "./stores/audit";

export const PROGRESS_STATES = ["pending", "anchored", "revoked", "superseded"] as const;
export type ProgressState = (typeof PROGRESS_STATES)[number];

export interface SchoolProgress {
  code: string;
  name: string;
  /** Documents by state; every state present, 0 when none. */
  counts: Record<ProgressState, number>;
  total: number;
}

/** Every school with its counts, by code. */
export async function schoolsProgress(db: Database, actor: string): Promise<SchoolProgress[]> {
  const { rows } = await db.query<{ code: string; name: string; status: ProgressState | null; n: string }>(
    `SELECT i.code, i.name, s.status, count(s.status) AS n
       FROM issuers i
       LEFT JOIN (SELECT d.issuer_code, ${STATUS_SQL} AS status
                    FROM ${DOCUMENTS_WITH_BATCH}) s ON s.issuer_code = i.code
      WHERE i.kind = 'school'
      GROUP BY i.code, i.name, s.status
      ORDER BY i.code`,
  );
  const schools = new Map<string, SchoolProgress>();
  for (const row of rows) {
    let school = schools.get(row.code);
    if (!school) {
      school = {
        code: row.code,
        name: row.name,
        counts: { pending: 0, anchored: 0, revoked: 0, superseded: 0 },
        total: 0,
      };
      schools.set(row.code, school);
    }
    if (row.status !== null) {
      school.counts[row.status] += Number(row.n);
      school.total += Number(row.n);
    }
  }
  await audit(db, actor, "department.progress_viewed", "*", { schools: schools.size });
  return [...schools.values()];
}
