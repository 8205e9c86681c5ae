/**
 * The lookup's results as DOM: one card per graduate (`[data-testid="graduate"]`)
 * with the fields a school or employer checks, its on-chain status in words and an icon (never
 * colour alone), the "verified on the chain" mark that opens the proof, and the print button. Text
 * is set with textContent only: record fields come from a spreadsheet and are never parsed as HTML.
 */
import { el, formatDate, formatDateTime } from "../common/dom";
import { language } from "../common/i18n";
import type { GraduateAnchor, GraduateRecord, SearchOutcome } from "./api";
import { t } from "./messages";
import { checkAnchorProof, type ProofCheck } from "./proof";

/** What the page shows a record as: its status, or `mismatch` when the local proof check fails. */
export type ShownStatus = GraduateRecord["status"] | "mismatch";

const STATUS_ICON: Record<ShownStatus, string> = {
  anchored: "✓",
  pending: "◷",
  revoked: "✕",
  superseded: "↻",
  mismatch: "⚠",
};

/** The status shown for a record: an anchored one whose proof does not check locally is a mismatch. */
export function shownStatus(record: GraduateRecord): { status: ShownStatus; check: ProofCheck | undefined } {
  const check = record.anchor ? checkAnchorProof(record.anchor) : undefined;
  if (record.status === "anchored" && check !== "valid") return { status: "mismatch", check: "invalid" };
  return { status: record.status, check };
}

/** Current records first: a corrected or revoked one is shown, but after what replaced it. */
const STATUS_ORDER: Record<ShownStatus, number> = {
  anchored: 0,
  pending: 1,
  mismatch: 2,
  superseded: 3,
  revoked: 4,
};

export function byStatus(records: readonly GraduateRecord[]): GraduateRecord[] {
  return [...records].sort(
    (a, b) => STATUS_ORDER[shownStatus(a).status] - STATUS_ORDER[shownStatus(b).status],
  );
}

/** A moment for people, in Vietnam time and the page's language (shared with the verifier). */
export function formatMoment(value: string | Date): string {
  return formatDateTime(value, language());
}

function genderText(gender: string): string {
  if (gender === "Nam") return t("genderMale");
  if (gender === "Nữ") return t("genderFemale");
  return gender;
}

/** The record's fields as label/value pairs, in the order of a diploma; shared with the printout. */
export function recordRows(record: GraduateRecord): Array<[string, string]> {
  const lang = language();
  return [
    [t("fieldFullName"), record.fullName],
    [t("fieldDateOfBirth"), formatDate(record.dateOfBirth, lang)],
    [t("fieldGender"), genderText(record.gender)],
    [t("fieldPlaceOfBirth"), record.placeOfBirth],
    [t("fieldSchool"), `${record.school.name} (${record.school.code})`],
    [t("fieldGraduationYear"), String(record.graduationYear)],
    [
      t("fieldDecision"),
      t("decisionValue", { number: record.decision.number, date: formatDate(record.decision.date, lang) }),
    ],
    [t("fieldDiplomaSerial"), record.diplomaSerial],
    [t("fieldRegistryNumber"), record.registryNumber],
    [t("fieldDistrict"), record.district.name],
    [t("fieldDecidedBy"), record.decidedBy.name],
  ];
}

/** The anchoring data as label/value pairs (long hex values marked `mono`); shared with the printout. */
export function anchorRows(anchor: GraduateAnchor): Array<[string, string, "mono"?]> {
  return [
    [t("proofRoot"), anchor.merkleRoot, "mono"],
    [t("proofLeaf"), anchor.leaf, "mono"],
    [t("proofTx"), anchor.txHash, "mono"],
    [t("proofBlock"), String(anchor.blockNumber)],
    [t("proofTime"), formatMoment(anchor.anchoredAt)],
    [t("proofChain"), String(anchor.chainId)],
    [t("proofRegistry"), anchor.registry, "mono"],
  ];
}

/** A `<dl>` of label/value rows. */
export function definitionList(rows: Array<[string, string, "mono"?]>, className: string): HTMLDListElement {
  const list = el("dl", { class: className });
  for (const [label, value, style] of rows)
    list.append(el("div", { class: "row" }, el("dt", {}, label), el("dd", { class: style }, value)));
  return list;
}

function proofPanel(
  record: GraduateRecord,
  anchor: GraduateAnchor,
  check: ProofCheck,
  id: string,
): HTMLElement {
  const path =
    anchor.proof.length === 0
      ? el("p", { class: "muted" }, t("proofPathEmpty"))
      : el("ol", { class: "proof-path mono" }, ...anchor.proof.map((node) => el("li", {}, node)));
  return el(
    "section",
    { class: "proof", id, "data-testid": "proof", "aria-label": t("proofHeading"), hidden: true },
    el("h4", {}, t("proofHeading")),
    el(
      "p",
      { class: `proof-check proof-${check}`, "data-testid": "proof-check", "data-status": check },
      el("span", { "aria-hidden": "true" }, check === "valid" ? "✓ " : "⚠ "),
      t(check === "valid" ? "proofCheckValid" : "proofCheckInvalid"),
    ),
    el("p", { class: "muted" }, t("proofIntro")),
    definitionList(anchorRows(anchor), "fields proof-fields"),
    el("p", { class: "proof-path-label" }, `${t("proofPath")} (${anchor.proof.length})`),
    path,
    el("p", { class: "muted small" }, t("proofSelfCheck")),
    provenance(record),
  );
}

function provenance(record: GraduateRecord): HTMLElement {
  return el(
    "div",
    { class: "provenance" },
    el("h4", {}, t("provenanceHeading")),
    el("p", {}, t("provenanceSigned", { issuer: record.provenance.signedBy.name })),
    definitionList(
      [
        [t("provenanceFile"), record.provenance.fileSha256, "mono"],
        [t("provenanceSigner"), record.provenance.signerFingerprint, "mono"],
        [t("provenanceImported"), formatMoment(record.provenance.importedAt)],
      ],
      "fields proof-fields",
    ),
  );
}

/** The status line: for an anchored record, the button that opens the proof. */
function statusMark(status: ShownStatus, proofId: string | undefined, open: boolean): HTMLElement {
  const content = [
    el("span", { class: "status-icon", "aria-hidden": "true" }, STATUS_ICON[status]),
    el("span", {}, t(`status.${status}`)),
  ];
  if (!proofId) return el("p", { class: `status status-${status}`, "data-testid": "status" }, ...content);
  return el(
    "button",
    {
      type: "button",
      class: `status status-${status} chain-mark`,
      "data-testid": "chain-mark",
      "aria-expanded": String(open),
      "aria-controls": proofId,
    },
    ...content,
    el("span", { class: "chain-mark-action" }, t(open ? "hideProof" : "showProof")),
  );
}

export interface CardHandlers {
  onPrint(record: GraduateRecord): void;
  /** Told after the card opened or closed its proof, to keep it so across re-renders. */
  onToggleProof(record: GraduateRecord, open: boolean): void;
}

/** One result card. `open`: whether its proof panel starts open (kept across language switches). */
export function graduateCard(record: GraduateRecord, open: boolean, handlers: CardHandlers): HTMLElement {
  const { status, check } = shownStatus(record);
  const base = `graduate-${record.id}`;
  const proofId = record.anchor && check ? `${base}-proof` : undefined;
  const mark = statusMark(status, proofId, open);
  const card = el(
    "article",
    {
      class: `card graduate graduate-${status}`,
      "data-testid": "graduate",
      "data-status": status,
      "aria-labelledby": `${base}-name`,
    },
    el("h3", { id: `${base}-name`, class: "graduate-name" }, record.fullName),
    mark,
    el("p", { class: "status-note" }, t(`statusNote.${status}`)),
    definitionList(recordRows(record), "fields record-fields"),
  );
  if (record.anchor && check && proofId) {
    const panel = proofPanel(record, record.anchor, check, proofId);
    panel.hidden = !open;
    mark.addEventListener("click", () => {
      const opening = panel.hidden;
      panel.hidden = !opening;
      mark.setAttribute("aria-expanded", String(opening));
      mark.querySelector(".chain-mark-action")!.textContent = t(opening ? "hideProof" : "showProof");
      handlers.onToggleProof(record, opening);
    });
    card.append(panel);
  }
  // No printed confirmation of a record whose proof does not hold.
  if (status !== "mismatch") {
    const print = el(
      "button",
      { type: "button", class: "button secondary print-button", "data-testid": "print" },
      t("print"),
    );
    print.addEventListener("click", () => handlers.onPrint(record));
    card.append(el("div", { class: "graduate-actions" }, print));
  }
  return card;
}

function message(testId: string, title: string, ...lines: HTMLElement[]): HTMLElement {
  return el(
    "div",
    { class: `card message message-${testId}`, "data-testid": testId },
    el("p", { class: "message-title" }, title),
    ...lines,
  );
}

function waitText(seconds: number | undefined): string {
  if (seconds === undefined) return t("rateLimitedLater");
  const wait =
    seconds >= 60 ? t("minutes", { n: Math.ceil(seconds / 60) }) : t("seconds", { n: Math.max(1, seconds) });
  return t("rateLimitedWait", { wait });
}

export interface ResultsView {
  outcome: SearchOutcome;
  lookedUpAt: Date;
  openProofs: ReadonlySet<string>;
}

/** The children of the results section for an outcome. */
export function renderOutcome(view: ResultsView, handlers: CardHandlers): HTMLElement[] {
  const heading = el("h2", { id: "results-heading", tabindex: "-1" }, t("resultsHeading"));
  const { outcome } = view;
  switch (outcome.kind) {
    case "results": {
      if (outcome.results.length === 0) {
        const hints = ["noResultHint1", "noResultHint2", "noResultHint3", "noResultHint4"] as const;
        return [
          heading,
          message("no-result", t("noResultTitle"), el("ul", {}, ...hints.map((key) => el("li", {}, t(key))))),
        ];
      }
      return [
        heading,
        el(
          "p",
          { class: "results-summary", role: "status" },
          `${outcome.results.length === 1 ? t("resultsCountOne") : t("resultsCount", { count: outcome.results.length })} ${t("lookedUpAt", { time: formatMoment(view.lookedUpAt) })}`,
        ),
        ...byStatus(outcome.results).map((record) =>
          graduateCard(record, view.openProofs.has(record.id), handlers),
        ),
      ];
    }
    case "rateLimited":
      return [
        heading,
        message("rate-limited", t("rateLimitedTitle"), el("p", {}, waitText(outcome.retryAfterSeconds))),
      ];
    case "refused":
      return [heading, message("refused", t("refusedTitle"), el("p", {}, outcome.message))];
    case "failed":
      return [
        heading,
        message(
          "failed",
          t("failedTitle"),
          el(
            "p",
            {},
            outcome.status === undefined ? t("failedNetwork") : t("failedServer", { status: outcome.status }),
          ),
        ),
      ];
  }
}
