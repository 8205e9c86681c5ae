/**
 * After signing (issue 13 item 4, docs/school-signing.md): the principal revokes a submitted
 * document from the workspace, the clerk starts its correction, the staff of a class make share
 * links (and their QR codes) for a student's parents, and anyone who sees a class downloads its
 * anchored documents as one ZIP — each student's printable PDF and credential file, with a manifest
 * saying what was left out and why. All work on drafts' ids (a submitted draft's document has the
 * draft's id) and go through the ordinary use cases (revokeDocument, createShare, credentialFor,
 * documentPdf), which audit them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { zipSync } from "fflate";
import { HocbaError } from "../core/errors";
import { credentialFor, type CredentialChain } from "./credential";
import {
  visibleRow,
  type DraftAccess,
  type DraftRow,
  type DraftSigningDeps,
  type DraftState,
} from "./draft-signing";
import { documentPdf } from "./pdf";
import type { PdfRenderer } from "./ports";
import { revokeDocument, type Revoked } from "./revocation";
import { audit } from "./stores/audit";
import { createShare, listShares, openedCounts, revokeShare, type Share } from "./shares";

/** Who may revoke from the workspace: the principal (a school API key and the admin too). */
export const REVOKING_ROLES = ["principal"] as const;
/** Who starts a correction: the clerk, who also imports (a school API key and the admin too). */
export const CORRECTING_ROLES = ["clerk"] as const;

export interface CorrectionStarted {
  /** The new draft: the corrected version, to be fixed (by a new import of the class) and signed. */
  id: string;
  supersedes: string;
  status: "draft";
}

/**
 * Starts the correction of a submitted document: a new draft of the same student, a copy of the
 * document with a new id, nonce and issue time and `supersedes` naming the old one. The clerk fixes
 * it by importing the class again (the import replaces the draft's content and keeps the link);
 * once signed it is submitted as the correction and the old document shows as superseded.
 * @throws HocbaError NOT_FOUND, FORBIDDEN (not the clerk), CONFLICT (not submitted, revoked or
 *   superseded already, or a correction of that student already under way).
 */
export async function startCorrection(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
): Promise<CorrectionStarted> {
  const now = (deps.now ?? (() => new Date()))();
  return deps.db.transaction(async (tx) => {
    const row = await visibleRow(tx, access, id, true);
    checkFollowUp(access, row, CORRECTING_ROLES, {
      forbidden: `only a clerk of ${row.school_code} starts a correction`,
      notSubmitted: `draft ${id} was not submitted: change it by importing the class again`,
      settled: `the document ${id} is ${row.state}: it cannot be corrected`,
    });
    const { rows: open } = await tx.query<{ id: string }>(
      `SELECT id FROM drafts WHERE school_code = $1 AND school_year = $2 AND class_name = $3
          AND student_code = $4 AND status <> 'submitted'`,
      [row.school_code, row.school_year, row.class_name, row.student_code],
    );
    if (open[0]) throw new HocbaError("CONFLICT", `a correction is already under way: draft ${open[0].id}`);
    const newId = randomUUID();
    const document = {
      ...row.document,
      id: newId,
      nonce: randomBytes(16).toString("base64url"),
      issuedAt: now.toISOString().replace(/\.[0-9]{3}Z$/, "Z"),
      supersedes: id,
    };
    await tx.query(
      `INSERT INTO drafts (id, school_code, school_year, class_name, student_code, document, import_id, imported_by, created_at, updated_at)
       SELECT $1, school_code, school_year, class_name, student_code, $2, import_id, $3, $4, $4 FROM drafts WHERE id = $5`,
      [newId, JSON.stringify(document), access.actor, now, id],
    );
    await audit(tx, access.actor, "draft.correction_started", newId, {
      supersedes: id,
      schoolCode: row.school_code,
    });
    return { id: newId, supersedes: id, status: "draft" as const };
  });
}

/**
 * Whether `access` may follow up on submitted draft `row` (correct or revoke its document): it holds
 * one of `roles` at the school (FORBIDDEN otherwise) and the document is pending or anchored
 * (CONFLICT when the draft was never submitted, or the document is already revoked or superseded).
 */
function checkFollowUp(
  access: DraftAccess,
  row: DraftRow,
  roles: readonly string[],
  refusals: { forbidden: string; notSubmitted: string; settled: string },
): void {
  const held = access.rolesAt(row.school_code);
  if (held !== "any" && !roles.some((r) => held.includes(r)))
    throw new HocbaError("FORBIDDEN", refusals.forbidden);
  if (row.state !== "pending" && row.state !== "anchored")
    throw new HocbaError(
      "CONFLICT",
      row.state === "draft" || row.state === "awaiting" || row.state === "refused"
        ? refusals.notSubmitted
        : refusals.settled,
    );
}

/**
 * Revokes the document of a submitted draft.
 * @throws HocbaError NOT_FOUND (not visible), FORBIDDEN (not the principal), CONFLICT (not submitted,
 *   already revoked or superseded).
 */
export async function revokeDraft(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
  reason: string,
): Promise<Revoked> {
  const row = await visibleRow(deps.db, access, id);
  checkFollowUp(access, row, REVOKING_ROLES, {
    forbidden: `only the principal of ${row.school_code} revokes its documents`,
    notSubmitted: `draft ${id} was not submitted: there is nothing to revoke yet`,
    settled: `the document ${id} is already ${row.state}`,
  });
  return revokeDocument(deps.db, { issuerCode: row.school_code, actor: access.actor }, id, reason);
}

/**
 * Who makes, lists and revokes a student's share links from the workspace: the clerk, the homeroom
 * teacher of the class, the principal and the school admin (a school API key and the admin too).
 */
export const SHARING_ROLES = ["clerk", "homeroom", "principal", "school-admin"] as const;

/** Draft `id` if the caller may share its document. @throws HocbaError NOT_FOUND, FORBIDDEN. */
async function sharer(deps: DraftSigningDeps, access: DraftAccess, id: string) {
  const row = await visibleRow(deps.db, access, id);
  const roles = access.rolesFor(row.school_code, row.class_name);
  if (roles !== "any" && !SHARING_ROLES.some((r) => roles.includes(r)))
    throw new HocbaError(
      "FORBIDDEN",
      `only the clerk, the homeroom teacher of class ${row.class_name}, the principal or the school admin share its transcripts`,
    );
  return row;
}

/** Checks the caller may share draft `id`'s document and that it is anchored. @throws NOT_FOUND, FORBIDDEN, NOT_ANCHORED_YET, CONFLICT. */
async function shareable(deps: DraftSigningDeps, access: DraftAccess, id: string): Promise<void> {
  const row = await sharer(deps, access, id);
  if (row.state === "pending")
    throw new HocbaError("NOT_ANCHORED_YET", `the document ${id} is not anchored yet: share it once it is`);
  if (row.state !== "anchored")
    throw new HocbaError(
      "CONFLICT",
      row.state === "revoked" || row.state === "superseded"
        ? `the document ${id} is ${row.state}: it is not shared any more`
        : `draft ${id} was not submitted: there is nothing to share yet`,
    );
}

/**
 * Makes a share link to the anchored document of draft `id` for a student's parents: the same links
 * a graduate makes (issuance/shares.ts: an expiry, revocable, every opening logged), made by the
 * staff of the class; the holder sees and may revoke it too. Audited (share.created).
 * @throws HocbaError NOT_FOUND, FORBIDDEN, NOT_ANCHORED_YET, CONFLICT, SCHEMA_INVALID (expiry),
 *   DISCLOSURE_INVALID (withhold set).
 */
export async function shareDraft(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
  input: { withhold?: readonly string[]; expiresInDays?: number },
  maxDays: number,
): Promise<{ share: Share; token: string }> {
  await shareable(deps, access, id);
  return createShare(
    deps.db,
    {
      documentId: id,
      withhold: input.withhold ?? [],
      ...(input.expiresInDays !== undefined ? { expiresInDays: input.expiresInDays } : {}),
      actor: access.actor,
    },
    maxDays,
  );
}

/** The share links of draft `id`'s document (whoever made them), each with its openings; audited. */
export async function draftShares(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
): Promise<{ share: Share; opened: number }[]> {
  // A revoked or superseded document's links are listed too (to see and revoke them).
  await sharer(deps, access, id);
  const shares = await listShares(deps.db, [id]);
  const opened = await openedCounts(
    deps.db,
    shares.map((s) => s.id),
  );
  await audit(deps.db, access.actor, "shares.listed", id, { count: shares.length });
  return shares.map((share) => ({ share, opened: opened.get(share.id) ?? 0 }));
}

/** Revokes share link `shareId` of draft `id`'s document; audited (share.revoked). */
export async function revokeDraftShare(
  deps: DraftSigningDeps,
  access: DraftAccess,
  id: string,
  shareId: string,
): Promise<{ share: Share; opened: number }> {
  await sharer(deps, access, id);
  const share = await revokeShare(deps.db, access.actor, shareId, [id]);
  const opened = await openedCounts(deps.db, [share.id]);
  return { share, opened: opened.get(share.id) ?? 0 };
}

export interface ArchiveDeps extends DraftSigningDeps {
  chain: CredentialChain;
  publicUrl: string;
  render: PdfRenderer;
}

export interface ClassArchive {
  fileName: string;
  bytes: Uint8Array;
  /** One entry per draft of the class, in student order. */
  manifest: { id: string; studentCode: string; status: DraftState; files: string[] }[];
}

/** A name safe in a ZIP entry and a Content-Disposition header. */
function safeName(value: string): string {
  return value.replace(/[^0-9A-Za-z._-]+/g, "_").slice(0, 64);
}

/**
 * The ZIP of a class: for each anchored document its PDF (`<studentCode>.pdf`, with the credential
 * embedded and a QR code to the verifier: each makes a share token, as the PDF route does) and its
 * credential file (`<studentCode>.hocba.json`), plus `manifest.json` listing every draft of the
 * class with its state (drafts not anchored yet have no files).
 * @throws HocbaError NOT_FOUND when the caller sees no draft of that class.
 */
export async function classArchive(
  deps: ArchiveDeps,
  access: DraftAccess,
  filter: { school: string; schoolYear: string; className: string },
): Promise<ClassArchive> {
  if (access.schools !== null && !access.schools.includes(filter.school))
    throw new HocbaError("NOT_FOUND", `no school ${filter.school} among yours`);
  const { rows } = await deps.db.query<{ id: string }>(
    `SELECT id FROM drafts WHERE school_code = $1 AND school_year = $2 AND class_name = $3 ORDER BY student_code`,
    [filter.school, filter.schoolYear, filter.className],
  );
  const files: Record<string, Uint8Array> = {};
  const manifest: ClassArchive["manifest"] = [];
  const caller = { issuerCode: filter.school, actor: access.actor };
  for (const { id } of rows) {
    let row;
    try {
      row = await visibleRow(deps.db, access, id);
    } catch {
      continue;
    }
    const entry = { id, studentCode: row.student_code, status: row.state, files: [] as string[] };
    manifest.push(entry);
    if (row.state !== "anchored") continue;
    const base = safeName(row.student_code);
    const credential = await credentialFor(deps.db, deps.chain, { caller }, id);
    const pdf = await documentPdf(
      { db: deps.db, chain: deps.chain, publicUrl: deps.publicUrl, render: deps.render },
      { caller },
      id,
    );
    files[`${base}.hocba.json`] = new TextEncoder().encode(JSON.stringify(credential, null, 2) + "\n");
    files[`${base}.pdf`] = pdf.bytes;
    entry.files.push(`${base}.pdf`, `${base}.hocba.json`);
  }
  if (manifest.length === 0)
    throw new HocbaError(
      "NOT_FOUND",
      `no drafts of class ${filter.className} ${filter.schoolYear} among yours`,
    );
  files["manifest.json"] = new TextEncoder().encode(
    JSON.stringify({ ...filter, documents: manifest }, null, 2) + "\n",
  );
  // PDFs are already compressed: store them; deflate the JSON.
  const bytes = zipSync(
    Object.fromEntries(
      Object.entries(files).map(([name, data]) => [name, [data, { level: name.endsWith(".pdf") ? 0 : 6 }]]),
    ),
    { mtime: new Date("2020-01-01T00:00:00Z") },
  );
  return {
    fileName: `hoc-ba-${safeName(filter.school)}-${safeName(filter.className)}-${safeName(filter.schoolYear)}.zip`,
    bytes,
    manifest,
  };
}
