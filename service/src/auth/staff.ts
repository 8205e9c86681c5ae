/**
 * Who may do what in the school workspace (docs/staff-sign-in.md, Roles). The OpenID Provider only
 * says who a person is (issuer + subject); hocba keeps what they may do: per school, a set of
 * roles — `clerk`, `homeroom` (of given classes), `principal`, `seal` (holder of the school's
 * seal), `school-admin` — or, per department code, `department` (the province's department of
 * education, which sees every school's progress and no student's record). The admin and a school's
 * own school-admin assign people; every change is written to the audit log in the same transaction.
 */
import { ISSUER_CODE_PATTERN, matches } from "../core/encoding";
import { HocbaError } from "../core/errors";
import type { Database, Queryable } from "../issuance/ports";
import { audit } from "../issuance/stores/audit";
import { findIssuer } from "../issuance/stores/issuers";

export const SCHOOL_ROLES = ["clerk", "homeroom", "principal", "seal", "school-admin"] as const;
export const STAFF_ROLES = [...SCHOOL_ROLES, "department"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** A person as the OpenID Provider names them. */
export interface StaffPerson {
  issuer: string;
  subject: string;
}

/** One person's roles at one school (or department code, for `department`). */
export interface StaffAssignment {
  school: string;
  roles: StaffRole[];
  /** The classes of a homeroom teacher (e.g. "9A"); empty otherwise. */
  classes: string[];
}

export interface StaffAssignmentRow extends StaffPerson, StaffAssignment {
  /** What the admin calls the person (optional, e.g. their name); never used to decide anything. */
  label: string | null;
  createdBy: string;
  updatedAt: Date;
}

export interface AssignInput extends StaffPerson {
  school: string;
  roles: readonly string[];
  classes?: readonly string[];
  label?: string;
}

const CLASS = /^[\p{L}\p{N}][\p{L}\p{N} ._/-]{0,31}$/u;

/** Who is acting on assignments: the admin, or a signed-in school-admin of some schools. */
export type AssignmentActor =
  { kind: "admin"; actor?: string } | { kind: "staff"; actor: string; adminOf: readonly string[] };

function actorName(actor: AssignmentActor): string {
  return actor.actor ?? "admin";
}

/** Throws FORBIDDEN unless `actor` may manage the people of `school`. */
export function checkMayManage(actor: AssignmentActor, school: string): void {
  if (actor.kind === "staff" && !actor.adminOf.includes(school))
    throw new HocbaError("FORBIDDEN", `only the admin or a school-admin of ${school} may manage its staff`);
}

function validate(input: AssignInput): { roles: StaffRole[]; classes: string[] } {
  const problems: { path: string; message: string }[] = [];
  if (input.issuer.trim() === "") problems.push({ path: "/issuer", message: "the issuer is empty" });
  if (input.subject.trim() === "") problems.push({ path: "/subject", message: "the subject is empty" });
  if (!matches(ISSUER_CODE_PATTERN, input.school))
    problems.push({ path: "/school", message: "a school code is 2–32 letters or digits" });
  const roles = [...new Set(input.roles)];
  if (roles.length === 0) problems.push({ path: "/roles", message: "at least one role" });
  for (const role of roles)
    if (!(STAFF_ROLES as readonly string[]).includes(role))
      problems.push({ path: "/roles", message: `unknown role "${role}" (one of ${STAFF_ROLES.join(", ")})` });
  if (roles.includes("department") && roles.length > 1)
    problems.push({ path: "/roles", message: "department is a role of its own, at a department code" });
  const classes = [...new Set(input.classes ?? [])];
  for (const c of classes)
    if (!CLASS.test(c)) problems.push({ path: "/classes", message: `"${c}" is not a class name (e.g. 9A)` });
  if (roles.includes("homeroom") && classes.length === 0)
    problems.push({ path: "/classes", message: "a homeroom teacher needs their classes" });
  if (!roles.includes("homeroom") && classes.length > 0)
    problems.push({ path: "/classes", message: "classes are given to homeroom teachers only" });
  if (problems.length > 0)
    throw new HocbaError("SCHEMA_INVALID", "the assignment is not valid", { details: problems });
  return { roles: roles as StaffRole[], classes };
}

/**
 * Gives `input.subject` at `input.issuer` the roles at `input.school` (replacing the roles they had
 * there). A school role needs a registered school; `department` is given by the admin only.
 */
export async function assignStaff(
  db: Database,
  input: AssignInput,
  actor: AssignmentActor,
): Promise<StaffAssignmentRow> {
  const { roles, classes } = validate(input);
  checkMayManage(actor, input.school);
  if (roles.includes("department")) {
    if (actor.kind !== "admin") throw new HocbaError("FORBIDDEN", "only the admin gives the department role");
  } else {
    if ((await findIssuer(db, input.school))?.kind !== "school")
      throw new HocbaError("NOT_FOUND", `no school ${input.school} is registered`);
  }
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Row>(
      `INSERT INTO staff_assignments (issuer, subject, scope_code, roles, classes, label, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (issuer, subject, scope_code)
       DO UPDATE SET roles = EXCLUDED.roles, classes = EXCLUDED.classes,
                     label = COALESCE(EXCLUDED.label, staff_assignments.label), updated_at = now()
       RETURNING ${COLUMNS}`,
      [input.issuer, input.subject, input.school, roles, classes, input.label ?? null, actorName(actor)],
    );
    await audit(tx, actorName(actor), "staff.assigned", input.school, {
      issuer: input.issuer,
      subject: input.subject,
      roles,
      classes,
    });
    return rowOf(rows[0]!);
  });
}

/** Takes every role of a person at a school away; NOT_FOUND when they had none. */
export async function unassignStaff(
  db: Database,
  input: StaffPerson & { school: string },
  actor: AssignmentActor,
): Promise<void> {
  checkMayManage(actor, input.school);
  await db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      "DELETE FROM staff_assignments WHERE issuer = $1 AND subject = $2 AND scope_code = $3",
      [input.issuer, input.subject, input.school],
    );
    if (rowCount === 0) throw new HocbaError("NOT_FOUND", `${input.subject} has no roles at ${input.school}`);
    await audit(tx, actorName(actor), "staff.unassigned", input.school, {
      issuer: input.issuer,
      subject: input.subject,
    });
  });
}

/** The people of one school (or every assignment, for the admin without a school); audited. */
export async function listStaff(
  db: Database,
  school: string | undefined,
  actor: AssignmentActor,
): Promise<StaffAssignmentRow[]> {
  if (school === undefined) {
    if (actor.kind !== "admin")
      throw new HocbaError("FORBIDDEN", "only the admin lists every school's staff");
  } else checkMayManage(actor, school);
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM staff_assignments ${school === undefined ? "" : "WHERE scope_code = $1"}
      ORDER BY scope_code, issuer, subject`,
    school === undefined ? [] : [school],
  );
  await audit(db, actorName(actor), "staff.listed", school ?? "*", { count: rows.length });
  return rows.map(rowOf);
}

/** Every assignment of a person, by school code. */
export async function assignmentsOf(db: Queryable, person: StaffPerson): Promise<StaffAssignment[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM staff_assignments WHERE issuer = $1 AND subject = $2 ORDER BY scope_code`,
    [person.issuer, person.subject],
  );
  return rows.map((row) => ({ school: row.scope_code, roles: row.roles, classes: row.classes }));
}

/** How the audit log names a signed-in person. */
export function staffActor(person: StaffPerson): string {
  return `staff:${person.subject}@${person.issuer}`;
}

const COLUMNS = "issuer, subject, scope_code, roles, classes, label, created_by, updated_at";

interface Row {
  issuer: string;
  subject: string;
  scope_code: string;
  roles: StaffRole[];
  classes: string[];
  label: string | null;
  created_by: string;
  updated_at: Date;
}

function rowOf(row: Row): StaffAssignmentRow {
  return {
    issuer: row.issuer,
    subject: row.subject,
    school: row.scope_code,
    roles: row.roles,
    classes: row.classes,
    label: row.label,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}
