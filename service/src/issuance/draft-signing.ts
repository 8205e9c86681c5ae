/**
 * Signing drafts (issue 13 item 3, docs/school-signing.md). Each signer — the homeroom teacher of
 * the class, the principal, the holder of the school's seal certificate — signs the same bytes: the
 * draft in the selectively disclosable form `hocba sign` writes, fixed (salts and all) the first
 * time anyone asks for the draft's signing input. A signature arrives as a detached CMS from one
 * signer (the browser, `hocba sign-pending`, another tool); it is verified by the core pipeline
 * (chain, validity, key usage, the signer's role from the issuer registry, timestamp and
 * certificate status policy), its signer's role must be one the caller holds for the draft's class,
 * and it is merged into the CMS of the earlier signers (their SignerInfos and certificates). Once
 * the roles the school requires are all present, the document is submitted through the ordinary
 * submission use case, by itself, and anchored like any other.
 *
 * Who may do what is the caller's `DraftAccess` (built by the HTTP layer from the staff session,
 * the device token or the school API key). A draft the caller may not see answers NOT_FOUND,
 * exactly as an unknown id.
 */
import { canonicalBytes } from "../core/documents";
import { makeDisclosable } from "../core/documents/disclosure";
import type { Transcript } from "../core/documents/schema";
import { matches, UUID_PATTERN } from "../core/encoding";
import { HocbaError, toHocbaError } from "../core/errors";
import { assertSignatureValid, mergeSignedData, withoutSignerInfos } from "../core/pki";
import { withCertificateStatus } from "./certificate-status";
import {
  databaseAuthorization,
  decodeSignature,
  requiredRolesOf as requiredRolesOfSubmission,
  submitDocuments,
  type RequiredRoles,
  type SubmissionDeps,
} from "./documents";
import { draftPlace, type DraftSignature } from "./drafts";
import { DOCUMENTS_WITH_BATCH, STATUS_SQL } from "./stores/documents";
import type { Database, Queryable } from "./ports";
import { audit } from "./stores/audit";

/**
 * A draft's state as the workspace shows it: the draft's own (`refused`: every required role signed
 * but the submission was refused — see `refusal`), then its document's.
 */
export const DRAFT_STATES = [
  "draft",
  "awaiting",
  "refused",
  "pending",
  "anchored",
  "revoked",
  "superseded",
] as const;
export type DraftState = (typeof DRAFT_STATES)[number];

/**
 * Why the submission of a fully signed draft was refused (kept with the draft, migration 014): the
 * submission's code and message, when, whether a retry as is may pass (a certificate-status
 * responder, a TSA or the chain that did not answer), and the signature at fault when the refusal
 * names one (remove it and have the person sign again).
 */
export interface DraftRefusal {
  code: string;
  message: string;
  at: string;
  transient: boolean;
  signature?: { role: string; certificate?: string; fingerprint?: string };
}

/** Refusal codes a retry of the same signatures may get past: something did not answer. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "CERT_STATUS_UNAVAILABLE",
  "CERT_CHAIN_INCOMPLETE",
  "TSA_UNAVAILABLE",
  "CHAIN_UNAVAILABLE",
  "RATE_LIMITED",
  "INTERNAL",
]);

/** What a caller may do with drafts; built by the HTTP layer (http/routes/drafts.ts). */
export interface DraftAccess {
  /** How the audit log names the caller. */
  actor: string;
  /** The person's name, kept with their signature (absent for an API key). */
  name?: string;
  /** The schools whose drafts the caller may see; null = any school (the admin). */
  schools: readonly string[] | null;
  /** May the caller see the drafts of this class? */
  sees: (school: string, className: string) => boolean;
  /**
   * The registry roles (principal, homeroom, organisation…) the caller may sign in for a draft of
   * this class; "any" for a school API key or the admin (the registry alone decides).
   */
  signs: (school: string, className: string) => readonly string[] | "any";
  /** The caller's staff roles at a school; "any" for a school API key or the admin. */
  rolesAt: (school: string) => readonly string[] | "any";
  /** The caller's staff roles for one class (homeroom only for their own classes); "any" as above. */
  rolesFor: (school: string, className: string) => readonly string[] | "any";
}

/** Which registry roles each staff role signs in (organisation: the school's seal certificate). */
export const SIGNING_ROLES: Readonly<Record<string, readonly string[]>> = {
  principal: ["principal"],
  homeroom: ["homeroom"],
  seal: ["organisation", "seal"],
};

/** A person's roles at one school, as staff assignments state them (auth/staff.ts). */
export interface SchoolRoles {
  school: string;
  roles: readonly string[];
  classes: readonly string[];
}

/**
 * The access of a signed-in person: the clerk, principal, seal holder and school-admin see every
 * class of their school; a homeroom teacher (with no other role there) only their own classes.
 * They sign in the registry roles of SIGNING_ROLES; a homeroom teacher for their classes only.
 */
export function staffDraftAccess(
  assignments: readonly SchoolRoles[],
  actor: string,
  name: string,
): DraftAccess {
  const at = (school: string) =>
    assignments.find((a) => a.school === school && !a.roles.includes("department"));
  return {
    actor,
    name,
    schools: assignments.filter((a) => !a.roles.includes("department")).map((a) => a.school),
    sees(school, className) {
      const a = at(school);
      if (!a) return false;
      return a.roles.some((r) => r !== "homeroom") || a.classes.includes(className);
    },
    signs(school, className) {
      const a = at(school);
      if (!a) return [];
      return a.roles.flatMap((role) =>
        role === "homeroom" && !a.classes.includes(className) ? [] : (SIGNING_ROLES[role] ?? []),
      );
    },
    rolesAt: (school) => at(school)?.roles ?? [],
    rolesFor(school, className) {
      const a = at(school);
      return a ? a.roles.filter((r) => r !== "homeroom" || a.classes.includes(className)) : [];
    },
  };
}

/** The access of a school's API key (`school`) or of the admin (null): every class, any signer. */
export function keyDraftAccess(school: string | null, actor: string): DraftAccess {
  return {
    actor,
    schools: school === null ? null : [school],
    sees: (code) => school === null || code === school,
    signs: () => "any",
    rolesAt: () => "any",
    rolesFor: () => "any",
  };
}

export interface DraftSigningDeps {
  db: Database;
  submission: SubmissionDeps;
  now?: () => Date;
}

export interface DraftRow {
  id: string;
  school_code: string;
  school_year: string;
  class_name: string;
  student_code: string;
  status: "draft" | "awaiting" | "refused" | "submitted";
  document: Transcript;
  signatures: DraftSignature[];
  signed_form: Record<string, unknown> | null;
  disclosures: string[] | null;
  signature: Uint8Array | null;
  updated_at: Date;
  refusal: DraftRefusal | null;
  state: DraftState;
}

const ROW_SQL = `SELECT dr.id, dr.school_code, dr.school_year, dr.class_name, dr.student_code, dr.status,
    dr.document, dr.signatures, dr.signed_form, dr.disclosures, dr.signature, dr.updated_at, dr.refusal,
    CASE WHEN dr.status <> 'submitted' THEN dr.status
         WHEN d.id IS NULL THEN 'pending' ELSE ${STATUS_SQL} END AS state
  FROM drafts dr LEFT JOIN (${DOCUMENTS_WITH_BATCH}) ON d.id = dr.id`;

function notFound(id: string): HocbaError {
  return new HocbaError("NOT_FOUND", `no draft ${id}`);
}

/** The draft if the caller may see it; NOT_FOUND otherwise, the same answer as an unknown id. */
export async function visibleRow(
  db: Queryable,
  access: DraftAccess,
  id: string,
  lock = false,
): Promise<DraftRow> {
  if (!matches(UUID_PATTERN, id)) throw notFound(id);
  const { rows } = await db.query<DraftRow>(
    lock ? `${ROW_SQL} WHERE dr.id = $1 FOR UPDATE OF dr` : `${ROW_SQL} WHERE dr.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row || !access.sees(row.school_code, row.class_name)) throw notFound(id);
  return row;
}

/** The draft, locked, if the caller may see it and it is still to sign; DRAFT_ALREADY_SIGNED once submitted. */
async function unsubmittedRow(tx: Queryable, access: DraftAccess, id: string): Promise<DraftRow> {
  const row = await visibleRow(tx, access, id, true);
  if (row.status === "submitted") throw alreadySubmitted(id);
  return row;
}

/** The roles a school's documents require (its own, else REQUIRED_SIGNER_ROLES), once per school: submission's reader. */
function requiredRolesOf(deps: DraftSigningDeps): RequiredRoles {
  return requiredRolesOfSubmission({ ...deps.submission, db: deps.db });
}

function awaitingOf(row: Pick<DraftRow, "status" | "signatures">, required: readonly string[]): string[] {
  if (row.status === "submitted") return [];
  const covered = new Set(row.signatures.map((s) => s.role));
  return required.filter((role) => !covered.has(role));
}

/** May `access` sign in one of `roles` for this draft? */
function signsAny(
  access: DraftAccess,
  row: Pick<DraftRow, "school_code" | "class_name">,
  roles: readonly string[],
) {
  const mine = access.signs(row.school_code, row.class_name);
  return mine === "any" ? roles.length > 0 : roles.some((r) => mine.includes(r));
}

export interface DraftListItem {
  id: string;
  schoolCode: string;
  schoolYear: string;
  className: string;
  studentCode: string;
  fullName: string;
  status: DraftState;
  /** The required roles whose signature is still awaited (empty once submitted). */
  awaitingRoles: string[];
  /** Whether one of the awaited roles is the caller's (for this class). */
  awaitingMe: boolean;
  signatures: DraftSignature[];
  /** Why the submission was refused (status `refused`), else null. */
  refusal: DraftRefusal | null;
  updatedAt: string;
}

export interface DraftListFilter {
  school: string;
  className?: string;
  schoolYear?: string;
  /** Only the drafts awaiting a signature in one of the caller's roles. */
  awaitingMe?: boolean;
}

/**
 * The drafts of a school (those of the caller's classes for a homeroom teacher), by class and
 * student, with their state, whose signature is awaited and who signed. A school the caller does
 * not belong to answers NOT_FOUND, as an unknown one. The read is audited.
 */
export async function listDraftStates(
  deps: DraftSigningDeps,
  access: DraftAccess,
  filter: DraftListFilter,
): Promise<DraftListItem[]> {
  if (access.schools !== null && !access.schools.includes(filter.school))
    throw new HocbaError("NOT_FOUND", `no school ${filter.school} among yours`);
  const { rows } = await deps.db.query<DraftRow>(
    `${ROW_SQL} WHERE dr.school_code = $1 AND ($2::text IS NULL OR dr.class_name = $2)
        AND ($3::text IS NULL OR dr.school_year = $3)
      ORDER BY dr.school_year, dr.class_name, dr.student_code`,
    [filter.school, filter.className ?? null, filter.schoolYear ?? null],
  );
  const required = await requiredRolesOf(deps)(filter.school);
  const items = rows
    .filter((row) => access.sees(row.school_code, row.class_name))
    .map((row): DraftListItem => {
      const awaitingRoles = awaitingOf(row, required);
      return {
        ...draftPlace(row),
        fullName: row.document.student.fullName,
        status: row.state,
        awaitingRoles,
        awaitingMe: signsAny(access, row, awaitingRoles),
        signatures: row.signatures,
        refusal: row.refusal,
        updatedAt: new Date(row.updated_at).toISOString(),
      };
    })
    .filter((item) => !filter.awaitingMe || item.awaitingMe);
  await audit(deps.db, access.actor, "drafts.listed", filter.school, { ...filter, results: items.length });
  return items;
}

export interface SigningInput {
  id: string;
  schoolCode: string;
  className: string;
  schoolYear: string;
  studentCode: string;
  fullName: string;
  /** The document to sign, as signed: the selectively disclosable form (docs/selective-disclosure.md). */
  document: Record<string, unknown>;
  disclosures: string[];
  /** Base64 of the exact bytes to sign: the RFC 8785 canonical form of `document`. */
  content: string;
  /** Hex SHA-256 of those bytes: the CMS message-digest, and the document's docHash. */
  sha256: string;
  awaitingRoles: string[];
  signatures: DraftSignature[];
}

/**
 * The bytes a signer signs for a draft, fixing the signed form on first use (one transaction, so
 * two signers asking at once get the same salts). Audited: it holds the student's record.
 * @throws HocbaError NOT_FOUND, CONFLICT (already submitted).
 */
export async function signingInput(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
): Promise<SigningInput> {
  const row = await deps.db.transaction(async (tx) => {
    const found = await unsubmittedRow(tx, access, id);
    if (found.signed_form === null) {
      const made = makeDisclosable(found.document);
      await tx.query("UPDATE drafts SET signed_form = $2, disclosures = $3 WHERE id = $1", [
        id,
        JSON.stringify(made.document),
        JSON.stringify(made.disclosures),
      ]);
      found.signed_form = made.document;
      found.disclosures = made.disclosures;
    }
    await audit(tx, access.actor, "draft.signing_input", id, { schoolCode: found.school_code });
    return found;
  });
  const content = canonicalBytes(row.signed_form);
  return {
    id: row.id,
    schoolCode: row.school_code,
    className: row.class_name,
    schoolYear: row.school_year,
    studentCode: row.student_code,
    fullName: row.document.student.fullName,
    document: row.signed_form!,
    disclosures: row.disclosures!,
    content: Buffer.from(content).toString("base64"),
    sha256: Buffer.from(deps.submission.crypto.sha256(content)).toString("hex"),
    awaitingRoles: awaitingOf(row, await requiredRolesOf(deps)(row.school_code)),
    signatures: row.signatures,
  };
}

export interface SignatureUpload {
  draftId: string;
  /** Base64 of a detached CMS SignedData over the draft's signing input. */
  signature: string;
}

export type SignatureResult =
  | {
      ok: true;
      id: string;
      status: DraftState;
      awaitingRoles: string[];
      signatures: DraftSignature[];
      /** Set when this signature completed the draft and it was submitted. */
      submitted?: { docHash: string; status: string };
      /** Set when this signature completed the draft but its submission was refused (status `refused`). */
      refusal?: DraftRefusal;
    }
  | { ok: false; id: string; error: { code: string; message: string; details?: unknown } };

/**
 * Adds signatures to drafts, one result per upload, in order (a principal signs a whole class at
 * once). A failed upload changes nothing and does not stop the others.
 */
export async function addSignatures(
  deps: DraftSigningDeps,
  access: DraftAccess,
  uploads: readonly SignatureUpload[],
): Promise<SignatureResult[]> {
  const required = requiredRolesOf(deps);
  const results: SignatureResult[] = [];
  for (const upload of uploads) {
    try {
      results.push(await addSignature(deps, access, upload, required));
    } catch (error) {
      const e = toHocbaError(error);
      results.push({
        ok: false,
        id: upload.draftId,
        error:
          e.details === undefined
            ? { code: e.code, message: e.message }
            : { code: e.code, message: e.message, details: e.details },
      });
    }
  }
  return results;
}

async function addSignature(
  deps: DraftSigningDeps,
  access: DraftAccess,
  upload: SignatureUpload,
  required: (school: string) => Promise<string[]>,
): Promise<SignatureResult & { ok: true }> {
  const id = upload.draftId;
  const row = await visibleRow(deps.db, access, id);
  if (row.status === "submitted") throw alreadySubmitted(id);
  if (row.signed_form === null)
    throw new HocbaError(
      "CONFLICT",
      `draft ${id} has no signing input yet: sign the bytes of GET /api/v1/drafts/${id}/signing-input`,
    );
  const cms = decodeSignature(upload.signature);
  const now = (deps.now ?? (() => new Date()))();
  const { submission } = deps;
  const report = await assertSignatureValid(canonicalBytes(row.signed_form), cms, {
    trustAnchors: submission.trustAnchors,
    crypto: submission.crypto,
    at: now,
    authorization: { issuerCode: row.school_code, lookup: databaseAuthorization(deps.db, () => now) },
    // One signer's part: the school's roles are checked together once everyone has signed.
    policy: { requiredRoles: [] },
    ...(submission.timestamps ? { timestamps: submission.timestamps } : {}),
  });
  // Revoked (or, under CERT_STATUS=require, unknown) certificates are refused now; the evidence is
  // embedded when the whole document is submitted.
  if (submission.certStatus) await withCertificateStatus(submission.certStatus, cms, report);
  const mine = access.signs(row.school_code, row.class_name);
  const added: DraftSignature[] = report.signers.map((signer) => {
    const role = signer.role!;
    if (mine !== "any" && !mine.includes(role))
      throw new HocbaError(
        "SIGNER_ROLE_NOT_HELD",
        `the certificate "${signer.subject}" signs as ${role} for ${row.school_code}, a role you do not hold for class ${row.class_name}`,
      );
    return {
      actor: access.actor,
      ...(access.name !== undefined ? { name: access.name } : {}),
      role,
      certificate: signer.subject,
      fingerprint: signer.fingerprint,
      at: now.toISOString(),
    };
  });

  const merged = await deps.db.transaction(async (tx) => {
    const locked = await unsubmittedRow(tx, access, id);
    for (const signature of added) {
      const same = locked.signatures.find(
        (s) => s.fingerprint === signature.fingerprint || s.role === signature.role,
      );
      if (same)
        throw new HocbaError(
          "DRAFT_ALREADY_SIGNED",
          same.fingerprint === signature.fingerprint
            ? `draft ${id} already carries this certificate's signature`
            : `draft ${id} is already signed as ${signature.role}`,
        );
    }
    const signature = locked.signature === null ? cms : mergeSignedData([locked.signature, cms]);
    const signatures = [...locked.signatures, ...added];
    await tx.query(
      `UPDATE drafts SET status = 'awaiting', refusal = NULL, signatures = $2::jsonb, signature = $3, updated_at = $4
        WHERE id = $1`,
      [id, JSON.stringify(signatures), signature, now],
    );
    await audit(tx, access.actor, "draft.signed", id, {
      roles: added.map((s) => s.role),
      fingerprints: added.map((s) => s.fingerprint),
    });
    return {
      ...locked,
      status: "awaiting" as const,
      state: "awaiting" as const,
      refusal: null,
      signatures,
      signature,
    };
  });

  const awaitingRoles = awaitingOf(merged, await required(row.school_code));
  const result = {
    ok: true as const,
    id,
    status: merged.state as DraftState,
    awaitingRoles,
    signatures: merged.signatures,
  };
  if (awaitingRoles.length > 0) return result;
  return { ...result, ...(await submitDraft(deps, access, merged)) };
}

function alreadySubmitted(id: string): HocbaError {
  return new HocbaError("DRAFT_ALREADY_SIGNED", `draft ${id} was already signed by everyone and submitted`);
}

type SubmitOutcome =
  | { status: DraftState; awaitingRoles: string[]; submitted: { docHash: string; status: string } }
  | { status: "refused"; awaitingRoles: string[]; refusal: DraftRefusal };

/**
 * The signature a refusal names, when it names one: a signer the registry does not authorize, one
 * with no path to a trust anchor or a revoked certificate (from the verification report in the
 * details), or the signer a certificate-status refusal quotes by subject.
 */
function signatureAtFault(
  error: { message: string; details?: unknown },
  signatures: readonly DraftSignature[],
): DraftSignature | undefined {
  const report = error.details as
    | {
        signers?: {
          fingerprint?: string;
          authorized?: boolean;
          chain?: unknown[];
          status?: { state?: string };
        }[];
      }
    | undefined;
  const signers = Array.isArray(report?.signers) ? report.signers : [];
  const bad = signers.find(
    (s) =>
      s.authorized === false ||
      (Array.isArray(s.chain) && s.chain.length === 0) ||
      s.status?.state === "revoked",
  );
  return (
    (bad && signatures.find((sig) => sig.fingerprint === bad.fingerprint)) ??
    signatures.find((sig) => sig.certificate !== undefined && error.message.includes(`"${sig.certificate}"`))
  );
}

/**
 * Submits a draft every required role has signed, through the submission use case, then marks it
 * submitted. A refusal there (a certificate removed from the registry or no longer trusted, a
 * timestamp or status policy, a passing failure) makes the draft `refused` with the refusal kept:
 * its signatures stay, and a retry (retrySubmission) or the removal of the signature at fault
 * (removeSignature) takes it on.
 */
async function submitDraft(
  deps: DraftSigningDeps,
  access: DraftAccess,
  row: Pick<DraftRow, "id" | "school_code" | "signed_form" | "disclosures" | "signature" | "signatures">,
): Promise<SubmitOutcome> {
  let result: Awaited<ReturnType<typeof submitDocuments>>[number];
  try {
    [result] = (await submitDocuments(deps.submission, { issuerCode: row.school_code, actor: access.actor }, [
      {
        document: row.signed_form,
        disclosures: row.disclosures,
        signature: Buffer.from(row.signature!).toString("base64"),
      },
    ])) as [typeof result];
  } catch (error) {
    const e = toHocbaError(error);
    result = { ok: false, error: { code: e.code, message: e.message } };
  }
  if (!result.ok) {
    const { code, message } = result.error;
    const fault = signatureAtFault(result.error, row.signatures);
    const refusal: DraftRefusal = {
      code,
      message,
      at: (deps.now ?? (() => new Date()))().toISOString(),
      transient: TRANSIENT_CODES.has(code),
      ...(fault
        ? {
            signature: {
              role: fault.role,
              ...(fault.certificate !== undefined ? { certificate: fault.certificate } : {}),
              ...(fault.fingerprint !== undefined ? { fingerprint: fault.fingerprint } : {}),
            },
          }
        : {}),
    };
    await deps.db.transaction(async (tx) => {
      await tx.query(
        "UPDATE drafts SET status = 'refused', refusal = $2, updated_at = now() WHERE id = $1 AND status <> 'submitted'",
        [row.id, JSON.stringify(refusal)],
      );
      await audit(tx, access.actor, "draft.submission_refused", row.id, {
        code,
        transient: refusal.transient,
        ...(fault?.fingerprint !== undefined ? { fingerprint: fault.fingerprint } : {}),
      });
    });
    return { status: "refused", awaitingRoles: [], refusal };
  }
  const { docHash, status } = result;
  await deps.db.transaction(async (tx) => {
    await tx.query(
      "UPDATE drafts SET status = 'submitted', refusal = NULL, submitted_at = now(), updated_at = now() WHERE id = $1",
      [row.id],
    );
    await audit(tx, access.actor, "draft.submitted", row.id, { docHash });
  });
  return { status: status as DraftState, awaitingRoles: [], submitted: { docHash, status } };
}

/** The draft's state, the roles awaited and the refusal, as the list gives them. */
export async function draftState(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
): Promise<{ status: DraftState; awaitingRoles: string[]; refusal: DraftRefusal | null }> {
  const row = await visibleRow(deps.db, access, id);
  return {
    status: row.state,
    awaitingRoles: awaitingOf(row, await requiredRolesOf(deps)(row.school_code)),
    refusal: row.refusal,
  };
}

/**
 * Submits again a draft whose submission was refused (or, from before migration 014, one left
 * `awaiting` with every required role signed): for a passing cause, or after the registry or the
 * trust anchors were put right. Anyone who sees the draft may.
 * @throws HocbaError NOT_FOUND; CONFLICT (not refused: still awaiting signatures, or submitted);
 *   DRAFT_SUBMISSION_REFUSED (refused again: details.refusal, kept with the draft).
 */
export async function retrySubmission(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
): Promise<{ id: string; status: DraftState; submitted: { docHash: string; status: string } }> {
  const row = await visibleRow(deps.db, access, id);
  const awaiting = awaitingOf(row, await requiredRolesOf(deps)(row.school_code));
  if (row.status === "submitted") throw alreadySubmitted(id);
  if (row.status === "draft" || awaiting.length > 0)
    throw new HocbaError(
      "CONFLICT",
      `draft ${id} awaits the signature of ${awaiting.join(", ") || "its signers"}: there is nothing to submit yet`,
    );
  await audit(deps.db, access.actor, "draft.submission_retried", id, { after: row.refusal?.code ?? null });
  const outcome = await submitDraft(deps, access, row);
  if ("refusal" in outcome)
    throw new HocbaError(
      "DRAFT_SUBMISSION_REFUSED",
      `every role signed, but the document was refused again: ${outcome.refusal.message}`,
      { details: { refusal: outcome.refusal } },
    );
  return { id, status: outcome.status, submitted: outcome.submitted };
}

/** Who may remove any signature of a draft of their school, besides the holders of its role. */
const REMOVING_ROLES = ["principal", "school-admin"];

/**
 * Removes the signature(s) in registry role `role` from a draft not yet submitted (the signature a
 * refusal names, or one made with the wrong certificate): its SignerInfo leaves the merged CMS, the
 * draft awaits that role again (or is a plain draft when nobody else signed) and the refusal is
 * cleared; the person then signs again. The person who may sign in that role for the class, the
 * principal and the school admin may (a school API key and the admin too); audited.
 * @throws HocbaError NOT_FOUND (no such draft, or no signature in that role), FORBIDDEN,
 *   DRAFT_ALREADY_SIGNED (submitted: revoke or correct it instead).
 */
export async function removeSignature(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
  role: string,
): Promise<{ id: string; status: DraftState; awaitingRoles: string[]; signatures: DraftSignature[] }> {
  const updated = await deps.db.transaction(async (tx) => {
    const row = await visibleRow(tx, access, id, true);
    const roles = access.rolesFor(row.school_code, row.class_name);
    const signs = access.signs(row.school_code, row.class_name);
    if (
      roles !== "any" &&
      signs !== "any" &&
      !signs.includes(role) &&
      !roles.some((r) => REMOVING_ROLES.includes(r))
    )
      throw new HocbaError(
        "FORBIDDEN",
        `only a signer in role ${role}, the principal or the school admin removes that signature`,
      );
    if (row.status === "submitted") throw alreadySubmitted(id);
    const indexes = row.signatures.flatMap((sig, i) => (sig.role === role ? [i] : []));
    if (indexes.length === 0 || row.signature === null)
      throw new HocbaError("NOT_FOUND", `draft ${id} has no signature as ${role}`);
    const signature = withoutSignerInfos(row.signature, indexes);
    const signatures = row.signatures.filter((_, i) => !indexes.includes(i));
    const status: "draft" | "awaiting" = signatures.length === 0 ? "draft" : "awaiting";
    await tx.query(
      `UPDATE drafts SET status = $2, refusal = NULL, signatures = $3::jsonb, signature = $4, updated_at = now()
        WHERE id = $1`,
      [id, status, JSON.stringify(signatures), signature],
    );
    await audit(tx, access.actor, "draft.signature_removed", id, {
      role,
      fingerprints: indexes.map((i) => row.signatures[i]!.fingerprint ?? null),
      refusal: row.refusal?.code ?? null,
    });
    return { ...row, status, signatures };
  });
  return {
    id,
    status: updated.status,
    awaitingRoles: awaitingOf(updated, await requiredRolesOf(deps)(updated.school_code)),
    signatures: updated.signatures,
  };
}
