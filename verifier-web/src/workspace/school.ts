/**
 * The school's part of /truong, as elements: the class workbook's problems (by sheet, row and
 * column, in the page's language), the status board (one row per class and school year, counts by
 * state) and the documents of the chosen class, each `[data-testid="document"]` with its
 * `data-status`. Pure rendering: main.ts owns the state and the calls.
 */
import { el } from "../common/dom";
import { language } from "../common/i18n";
import { refusalKey, roleInSentence, roleLabel, t, type MessageKey } from "./messages";

/** A workbook problem as the import answers it (422 IMPORT_INVALID details; docs/workbook.md). */
export interface WorkbookProblem {
  sheet: string | null;
  row: number | null;
  column: string | null;
  code: string;
  message: string;
  messageEn?: string;
}

/** A draft or document of the class as the drafts list gives it. */
export interface DocumentSummary {
  id: string;
  studentCode: string;
  fullName: string;
  schoolYear: string;
  className: string;
  status: string;
  updatedAt: string;
  /** The school's required registry roles whose signature is still awaited (principal, homeroom, organisation). */
  awaitingRoles?: string[];
  /** One of the awaited roles is the signed-in person's for this class. */
  awaitingMe?: boolean;
  /** Who has signed. */
  signatures?: { role: string; name?: string; actor: string; at: string }[];
  /** Why the submission was refused (status `refused`): the code, the service's message, and the signature at fault. */
  refusal?: {
    code: string;
    message: string;
    transient: boolean;
    signature?: { role: string; certificate?: string };
  } | null;
}

/** The states in the order a document goes through them (then the two ends). */
export const STATES = [
  "draft",
  "awaiting",
  "refused",
  "submitted",
  "pending",
  "anchored",
  "revoked",
  "superseded",
] as const;

export interface ClassKey {
  schoolYear: string;
  className: string;
}

export function classId(key: ClassKey): string {
  return `${key.schoolYear}|${key.className}`;
}

/** The classes present in `documents`, latest year first, then by name. */
export function classesOf(documents: readonly DocumentSummary[]): ClassKey[] {
  const seen = new Map<string, ClassKey>();
  for (const d of documents) seen.set(classId(d), { schoolYear: d.schoolYear, className: d.className });
  return [...seen.values()].sort(
    (a, b) => b.schoolYear.localeCompare(a.schoolYear) || a.className.localeCompare(b.className, "vi"),
  );
}

export function stateLabel(status: string): string {
  const key = `status_${status}` as MessageKey;
  return t(key) ?? status;
}

function roleList(roles: readonly string[]): string {
  return roles.map(roleLabel).join(", ");
}

/** The problems of a refused workbook as a table (a stacked list on a phone). */
export function renderProblems(problems: readonly WorkbookProblem[]): HTMLElement {
  const english = language() === "en";
  return el(
    "div",
    { class: "import-problems" },
    el("h3", { id: "import-problems-heading" }, t("problemsHeading", { count: problems.length })),
    el("p", {}, t("problemsIntro")),
    el(
      "table",
      { class: "problems-table", "aria-labelledby": "import-problems-heading" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, t("colSheet")),
          el("th", { scope: "col" }, t("colRow")),
          el("th", { scope: "col" }, t("colColumn")),
          el("th", { scope: "col" }, t("colProblem")),
        ),
      ),
      el(
        "tbody",
        {},
        ...problems.map((p) =>
          el(
            "tr",
            {
              "data-testid": "import-problem",
              "data-code": p.code,
              "data-sheet": p.sheet ?? undefined,
              "data-row": p.row ?? undefined,
              "data-column": p.column ?? undefined,
            },
            el("td", { "data-label": t("colSheet") }, p.sheet ?? t("wholeFile")),
            el("td", { "data-label": t("colRow"), class: "num" }, p.row === null ? "—" : String(p.row)),
            el("td", { "data-label": t("colColumn") }, p.column ?? "—"),
            el("td", { "data-label": t("colProblem") }, english && p.messageEn ? p.messageEn : p.message),
          ),
        ),
      ),
    ),
  );
}

/** One row per class and year: counts by state; the chosen class marked, each row a button to it. */
export function renderBoard(
  documents: readonly DocumentSummary[],
  chosen: ClassKey | undefined,
  choose: (key: ClassKey) => void,
): HTMLElement[] {
  const states = STATES.filter(
    (s) => (s !== "submitted" && s !== "refused") || documents.some((d) => d.status === s),
  );
  const head = el(
    "thead",
    {},
    el(
      "tr",
      {},
      el("th", { scope: "col" }, t("colClass")),
      ...states.map((s) => el("th", { scope: "col", class: "num" }, stateLabel(s))),
      el("th", { scope: "col", class: "num" }, t("colTotal")),
    ),
  );
  const rows = classesOf(documents).map((key) => {
    const mine = documents.filter((d) => classId(d) === classId(key));
    const current = chosen !== undefined && classId(chosen) === classId(key);
    const button = el(
      "button",
      { type: "button", class: "link-button", "aria-pressed": String(current) },
      t("classYear", { className: key.className, year: key.schoolYear }),
    );
    button.addEventListener("click", () => choose(key));
    return el(
      "tr",
      {
        "data-testid": "class-row",
        "data-class": key.className,
        "data-year": key.schoolYear,
        class: current ? "current" : undefined,
      },
      el("th", { scope: "row" }, button),
      ...states.map((s) =>
        el("td", { class: "num", "data-state": s }, String(mine.filter((d) => d.status === s).length)),
      ),
      el("td", { class: "num", "data-state": "total" }, String(mine.length)),
    );
  });
  return [head, el("tbody", {}, ...rows)];
}

/** What the signed-in person may do after signing (the API's REVOKING_ROLES, CORRECTING_ROLES, SHARING_ROLES). */
export interface FollowUp {
  canRevoke: boolean;
  canCorrect: boolean;
  canShare: boolean;
  /** May the person remove a signature in this registry role (its signer, the principal, the school admin)? */
  canRemove: (role: string) => boolean;
  /** The document whose share panel is open, and the panel. */
  sharing: string | undefined;
  sharePanel: (d: DocumentSummary) => HTMLElement;
  share: (id: string) => void;
  retry: (id: string) => void;
  removeSignature: (id: string, role: string) => void;
  /** The document whose revocation form is open. */
  revoking: string | undefined;
  revoke: (id: string, reason: string) => void;
  openRevoke: (id: string | undefined) => void;
  correct: (id: string) => void;
}

/**
 * A small button of document `d`'s row: its words, then the student's name for a screen reader
 * (ten "Review" buttons say whose). Secondary unless `attributes` gives another class.
 */
function rowButton(
  d: DocumentSummary,
  label: string,
  attributes: Record<string, string>,
  onClick: () => void,
): HTMLButtonElement {
  const button = el(
    "button",
    { type: "button", class: "button secondary small", ...attributes },
    label,
    el("span", { class: "visually-hidden" }, ` ${d.fullName}`),
  );
  button.addEventListener("click", onClick);
  return button;
}

/** The revoke button, or its form (a reason, required) when open. */
function revokeControls(d: DocumentSummary, follow: FollowUp): HTMLElement {
  if (follow.revoking !== d.id)
    return rowButton(d, t("revokeButton"), { "data-testid": "revoke" }, () => follow.openRevoke(d.id));
  const input = el("input", {
    type: "text",
    id: `reason-${d.id}`,
    name: "reason",
    maxlength: 500,
    required: true,
    autocomplete: "off",
  });
  const form = el(
    "form",
    { class: "revoke-form", "data-testid": "revoke-form" },
    el("label", { for: `reason-${d.id}` }, t("revokeReason", { name: d.fullName })),
    input,
    el(
      "button",
      { type: "submit", class: "button small", "data-testid": "revoke-confirm" },
      t("revokeConfirm"),
    ),
  );
  const cancel = el("button", { type: "button", class: "button secondary small" }, t("revokeCancel"));
  cancel.addEventListener("click", () => follow.openRevoke(undefined));
  form.append(cancel);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim() === "") input.focus();
    else follow.revoke(d.id, input.value.trim());
  });
  queueMicrotask(() => input.focus());
  return form;
}

/**
 * The class's documents, a row each: name and code, state in words, whose signature is awaited or
 * why the submission was refused, the review button, then what the person may do next (submit
 * again, remove a signature, share, revoke, correct) and the open share panel.
 */
export function renderDocuments(
  documents: readonly DocumentSummary[],
  reviewing: string | undefined,
  review: (id: string) => void,
  follow: FollowUp,
): HTMLElement[] {
  return documents.map((d) => {
    const button = rowButton(
      d,
      t("reviewButton"),
      {
        "aria-expanded": String(reviewing === d.id),
        "aria-controls": "review",
        "data-testid": "review-button",
      },
      () => review(d.id),
    );
    const awaiting = d.status === "draft" || d.status === "awaiting" ? (d.awaitingRoles ?? []) : [];
    const accepted = d.status === "pending" || d.status === "anchored";
    return el(
      "li",
      { class: "document-item", "data-testid": "document", "data-status": d.status, "data-id": d.id },
      el(
        "div",
        { class: "document-who" },
        el("span", { class: "document-name" }, d.fullName),
        el("span", { class: "mono muted" }, d.studentCode),
      ),
      el(
        "div",
        { class: "document-state" },
        el("span", { class: `status-badge status-${d.status}` }, stateLabel(d.status)),
        awaiting.length > 0
          ? el(
              "span",
              { class: "muted", "data-testid": "awaiting" },
              t("awaitingWhom", { roles: roleList(awaiting) }),
            )
          : null,
        d.status === "refused" && d.refusal ? refusalNote(d.refusal) : null,
      ),
      button,
      ...(d.status === "refused" ? refusedControls(d, follow) : []),
      follow.canShare && d.status === "anchored" ? shareButton(d, follow) : null,
      follow.canRevoke && accepted ? revokeControls(d, follow) : null,
      follow.canCorrect && accepted ? correctButton(d, follow) : null,
      follow.sharing === d.id ? follow.sharePanel(d) : null,
    );
  });
}

/** Why the submission was refused, in plain words, and the way forward. */
function refusalNote(refusal: NonNullable<DocumentSummary["refusal"]>): HTMLElement {
  const key = refusalKey(refusal.code);
  const reason = key === "refusal_other" ? refusal.message : t(key);
  const next = refusal.signature
    ? t("refusedSignature", {
        role: roleInSentence(refusal.signature.role),
        certificate: refusal.signature.certificate ?? "?",
      })
    : t(refusal.transient ? "refusedTransient" : "refusedAny");
  return el(
    "span",
    { class: "refusal", "data-testid": "refusal", "data-code": refusal.code },
    t("refusedWhy", { reason }),
    " ",
    next,
  );
}

/** "Submit again", and "remove the signature" for the one at fault (each signature when none is named). */
function refusedControls(d: DocumentSummary, follow: FollowUp): HTMLElement[] {
  const retry = rowButton(
    d,
    t("retryButton"),
    { class: "button small", "data-testid": "retry-submission" },
    () => follow.retry(d.id),
  );
  const named = d.refusal?.signature?.role;
  const roles =
    named !== undefined ? [named] : d.refusal?.transient ? [] : (d.signatures ?? []).map((s) => s.role);
  const removes = [...new Set(roles)]
    .filter(follow.canRemove)
    .map((role) =>
      rowButton(
        d,
        t("removeSignatureButton", { role: roleInSentence(role) }),
        { "data-testid": "remove-signature", "data-role": role },
        () => follow.removeSignature(d.id, role),
      ),
    );
  return [retry, ...removes];
}

function shareButton(d: DocumentSummary, follow: FollowUp): HTMLElement {
  return rowButton(
    d,
    t("shareButton"),
    {
      "data-testid": "share",
      "aria-expanded": String(follow.sharing === d.id),
      "aria-controls": "share-panel",
    },
    () => follow.share(d.id),
  );
}

function correctButton(d: DocumentSummary, follow: FollowUp): HTMLElement {
  return rowButton(d, t("correctButton"), { "data-testid": "correct" }, () => follow.correct(d.id));
}
