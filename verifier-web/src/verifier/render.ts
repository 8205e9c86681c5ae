/**
 * Renders a verification result for people: the verdict (colour, icon and words — never colour
 * alone), each check with its plain-language explanation and the core's technical message, the
 * document as a học bạ, the issuer and the anchoring. The verdict follows the core's rule
 * (`result.valid`); the page only chooses words: any `invalid` check makes the credential invalid
 * (a revocation says so by name), otherwise a failed result is an `error` — not checked, not forged.
 */
import type { Graduation, SchoolYear, Transcript } from "../../../service/src/core/documents";
import type { Check, CheckStatus, VerificationResult } from "../../../service/src/core/verification";
import { el, formatDate, formatDateTime } from "../shared/dom";
import { language } from "../shared/i18n";
import { describeCheck, t, type MessageKey } from "./messages";

export type Verdict = "valid" | "invalid" | "error";

/** The page's verdict: valid, invalid (some check failed) or error (some check could not be made). */
export function verdictOf(result: VerificationResult): Verdict {
  if (result.valid) return "valid";
  return result.checks.some((check) => check.status === "invalid") ? "invalid" : "error";
}

const ICONS: Record<CheckStatus, string> = { valid: "✓", invalid: "✗", error: "!", skipped: "–" };
const STATUS_WORDS: Record<CheckStatus, MessageKey> = {
  valid: "statusValid",
  invalid: "statusInvalid",
  error: "statusError",
  skipped: "statusSkipped",
};

function icon(status: CheckStatus): HTMLElement {
  return el("span", { class: `icon icon-${status}`, "aria-hidden": "true" }, ICONS[status]);
}

/** The verdict banner (the `[data-testid="verdict"]` hook), or a failure to verify at all. */
export function renderVerdict(result: VerificationResult | { failure: string }): HTMLElement {
  if ("failure" in result) {
    return el(
      "div",
      { class: "verdict verdict-error", "data-testid": "verdict", "data-status": "error" },
      icon("error"),
      el("div", {}, el("h2", { class: "verdict-title" }, t("verdictError")), el("p", {}, result.failure)),
    );
  }
  const verdict = verdictOf(result);
  const revocation = result.checks.find((check) => check.name === "revocation");
  const revoked = verdict === "invalid" && revocation?.status === "invalid";
  const [title, text] =
    verdict === "valid"
      ? [t("verdictValid"), t("verdictValidText")]
      : revoked
        ? [
            t("verdictRevoked"),
            t("verdictRevokedText", {
              at: formatDateTime((revocation.data?.revokedAt as string | undefined) ?? "", language()),
            }),
          ]
        : verdict === "invalid"
          ? [t("verdictInvalid"), t("verdictInvalidText")]
          : [t("verdictError"), t("verdictErrorText")];
  const status: CheckStatus = verdict === "valid" ? "valid" : verdict === "invalid" ? "invalid" : "error";
  return el(
    "div",
    { class: `verdict verdict-${verdict}`, "data-testid": "verdict", "data-status": verdict },
    icon(status),
    el("div", {}, el("h2", { class: "verdict-title" }, title), el("p", {}, text)),
  );
}

/** The eight checks in order, each a `[data-testid="check"][data-check][data-status]` item. */
export function renderChecks(result: VerificationResult): HTMLElement {
  const firstFailure = result.checks.findIndex((check) => check.status === "invalid");
  const items = result.checks.map((check, index) =>
    renderCheck(check, firstFailure !== -1 && index > firstFailure),
  );
  return el(
    "section",
    { class: "card", "aria-labelledby": "checks-heading" },
    el("h2", { id: "checks-heading" }, t("checksHeading")),
    el("ol", { class: "checks" }, ...items),
  );
}

function renderCheck(check: Check, afterFailure: boolean): HTMLElement {
  const { title, explanation } = describeCheck(language(), check.name, check.status);
  const text =
    check.status === "skipped" ? (afterFailure ? t("skippedAfterFailure") : check.message) : explanation;
  return el(
    "li",
    {
      class: `check check-${check.status}`,
      "data-testid": "check",
      "data-check": check.name,
      "data-status": check.status,
    },
    icon(check.status),
    el(
      "div",
      { class: "check-body" },
      el(
        "p",
        { class: "check-title" },
        el("strong", {}, title),
        " ",
        el("span", { class: `badge badge-${check.status}` }, t(STATUS_WORDS[check.status])),
      ),
      el("p", { class: "check-text" }, text),
      check.status === "skipped"
        ? null
        : el(
            "details",
            { class: "check-details" },
            el("summary", {}, t("details")),
            el("p", { class: "mono", lang: "en" }, `${check.name}: ${check.message}`),
          ),
    ),
  );
}

function field(label: string, value: string | number | null | undefined, mono = false): HTMLElement[] {
  return [
    el("dt", {}, label),
    el("dd", mono ? { class: "mono" } : {}, value === null || value === undefined ? "—" : String(value)),
  ];
}

function fields(...pairs: HTMLElement[][]): HTMLElement {
  return el("dl", { class: "fields" }, ...pairs.flat());
}

function scoreText(value: number | string): string {
  if (typeof value !== "number") return value;
  return language() === "vi" ? value.toFixed(1).replace(".", ",") : value.toFixed(1);
}

function renderYear(year: SchoolYear): HTMLElement {
  const rows = year.subjects.map((subject) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, subject.name),
      el("td", {}, scoreText(subject.term1)),
      el("td", {}, scoreText(subject.term2)),
      el("td", { class: "year-result" }, scoreText(subject.year)),
    ),
  );
  return el(
    "section",
    { class: "school-year" },
    el("h4", {}, t("schoolYear", { year: year.schoolYear, className: year.className })),
    el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        { class: "grades" },
        el(
          "caption",
          { class: "visually-hidden" },
          t("schoolYear", { year: year.schoolYear, className: year.className }),
        ),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", { scope: "col" }, t("subject")),
            el("th", { scope: "col" }, t("term1")),
            el("th", { scope: "col" }, t("term2")),
            el("th", { scope: "col" }, t("year")),
          ),
        ),
        el("tbody", {}, ...rows),
      ),
    ),
    fields(
      field(t("academicResult"), year.academicResult),
      field(t("conductResult"), year.conductResult),
      field(t("daysAbsent"), year.daysAbsent),
      field(t("outcome"), t(`outcome_${year.outcome}` as MessageKey)),
      field(t("homeroomTeacher"), year.homeroomTeacher),
      year.remarks ? field(t("remarks"), year.remarks) : [],
    ),
  );
}

function renderStudent(student: Transcript["student"]): HTMLElement {
  const lang = language();
  return fields(
    field(t("fullName"), student.fullName),
    field(t("dateOfBirth"), formatDate(student.dateOfBirth, lang)),
    field(t("gender"), student.gender),
    field(t("ethnicity"), student.ethnicity),
    field(t("placeOfBirth"), student.placeOfBirth),
    field(t("studentCode"), student.studentCode, true),
    field(t("citizenId"), student.citizenId, true),
  );
}

/** The document as a học bạ (or a graduation record), marked unconfirmed unless the verdict is valid. */
export function renderDocument(document: Transcript | Graduation, verdict: Verdict): HTMLElement {
  const lang = language();
  const confirmed = verdict === "valid";
  const heading = document.type === "hocba.transcript/v1" ? t("transcriptHeading") : t("graduationHeading");
  const body =
    document.type === "hocba.transcript/v1"
      ? [
          el("h3", {}, t("student")),
          renderStudent(document.student),
          el("h3", {}, t("school")),
          fields(
            field(t("school"), document.school.name),
            field(t("schoolCode"), document.school.code, true),
            field(t("level"), document.school.level),
          ),
          ...document.years.map(renderYear),
          fields(
            field(t("issuedAt"), formatDateTime(document.issuedAt, lang)),
            field(t("documentId"), document.id, true),
          ),
        ]
      : [
          el("h3", {}, t("student")),
          renderStudent(document.student),
          fields(
            field(t("school"), `${document.school.name} (${document.school.code})`),
            field(t("district"), document.district.name),
            field(t("decision"), `${document.decision.number} — ${formatDate(document.decision.date, lang)}`),
            field(t("graduationYear"), document.graduationYear),
            field(t("diplomaSerial"), document.diplomaSerial, true),
            field(t("registryNumber"), document.registryNumber, true),
            field(t("issuedAt"), formatDateTime(document.issuedAt, lang)),
            field(t("documentId"), document.id, true),
          ),
        ];
  return el(
    "section",
    { class: `card document${confirmed ? "" : " unconfirmed"}`, "aria-labelledby": "document-heading" },
    el("h2", { id: "document-heading" }, heading),
    confirmed ? null : el("p", { class: "unconfirmed-note" }, icon("error"), " ", t("untrustedNote")),
    ...body,
  );
}

interface SignerView {
  subject?: string;
  issuer?: string;
  signingTime?: string;
}

/** The issuer: the school named in the document and the signer certificate(s) of the signer check. */
export function renderIssuer(document: Transcript | Graduation, result: VerificationResult): HTMLElement {
  const lang = language();
  // The signer check reports the certificate's issuer too; the signature check only the subject.
  const reported = (name: string) =>
    result.checks.find((check) => check.name === name)?.data?.signers as SignerView[] | undefined;
  const signers = reported("signer") ?? reported("signature") ?? [];
  return el(
    "section",
    { class: "card", "aria-labelledby": "issuer-heading" },
    el("h2", { id: "issuer-heading" }, t("issuerHeading")),
    fields(
      field(t("school"), `${document.school.name} (${document.school.code})`),
      ...signers.flatMap((signer) => [
        field(t("signerSubject"), signer.subject),
        field(t("signerIssuer"), signer.issuer),
        field(t("signingTime"), signer.signingTime ? formatDateTime(signer.signingTime, lang) : undefined),
      ]),
    ),
  );
}

interface AnchorView {
  chainId: number;
  registry: string;
  txHash: string;
  blockNumber: number;
  anchoredAt: string;
}

/** When and where the document was anchored, as the chain confirmed it (or as the file states it). */
export function renderAnchor(anchor: AnchorView, result: VerificationResult): HTMLElement {
  const lang = language();
  const anchoredCheck = result.checks.find((check) => check.name === "anchored");
  const at = (anchoredCheck?.data?.anchoredAt as string | undefined) ?? anchor.anchoredAt;
  return el(
    "section",
    { class: "card", "aria-labelledby": "anchor-heading" },
    el("h2", { id: "anchor-heading" }, t("anchorHeading")),
    fields(
      field(t("anchoredAt"), formatDateTime(at, lang)),
      field(t("transaction"), anchor.txHash, true),
      field(t("block"), anchor.blockNumber),
      field(t("chain"), anchor.chainId),
      field(t("registry"), anchor.registry, true),
    ),
  );
}
