/**
 * The kinds of issuer the Department registers (docs/http-api.md, "Issuers"), defined once for the
 * database check, the admin API's schema, the CLI and the keys' authorization:
 *   school      signs its students' transcripts
 *   district    a district education office (Phòng GDĐT): imports its THCS graduation records;
 *               the offices were dissolved in 2025, their records stay theirs
 *   department  a provincial department (Sở GDĐT): imports and corrects the graduation records of
 *               its former districts (those registered with `department` = its code)
 */
export const ISSUER_KINDS = ["school", "district", "department"] as const;
export type IssuerKind = (typeof ISSUER_KINDS)[number];

/** The kinds whose keys import THCS graduation records. */
export const GRADUATION_AUTHORITY_KINDS: readonly IssuerKind[] = ["district", "department"];

export function isIssuerKind(value: unknown): value is IssuerKind {
  return typeof value === "string" && (ISSUER_KINDS as readonly string[]).includes(value);
}
