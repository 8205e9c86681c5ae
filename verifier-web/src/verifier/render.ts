/**
 * Renders a verification result for people: the verdict (colour, icon and words — never colour
 * alone), each check with its plain-language explanation and the core's technical message, the
 * document as a học bạ, the issuer and the anchoring. The verdict is the core's (`result.verdict`,
 * the same rule as the API's and the CLI's); the page only chooses words for it: not a hocba file,
 * not valid, revoked, or not verified (a check could not be made — not a sign of forgery).
 *
 * Personal data is shown as on the printed PDF: the citizen ID masked and the ethnicity hidden
 * until the reader deliberately asks to see them.
 */
import type { Graduation, SchoolYear, Transcript } from "../../../service/src/core/documents";
import { maskCitizenId } from "../../../service/src/core/documents/cccd";
import { formatScore } from "../../../service/src/core/documents/display";
import { signerName } from "../../../service/src/core/pki";
import type {
  Check,
  CheckStatus,
  CredentialAnchor,
  Verdict,
  VerificationResult,
} from "../../../service/src/core/verification";
import { el, formatDate, formatDateTime } from "../common/dom";
import { language } from "../common/i18n";
import { describeCheck, signerRoleText, t, valueText, type MessageKey } from "./messages";

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

const VERDICT_WORDS: Record<Verdict, [title: MessageKey, text: MessageKey]> = {
  valid: ["verdictValid", "verdictValidText"],
  "not-hocba": ["verdictNotHocba", "verdictNotHocbaText"],
  invalid: ["verdictInvalid", "verdictInvalidText"],
  revoked: ["verdictRevoked", "verdictRevokedText"],
  error: ["verdictError", "verdictErrorText"],
};

const VERDICT_ICONS: Record<Verdict, CheckStatus> = {
  valid: "valid",
  "not-hocba": "invalid",
  invalid: "invalid",
  revoked: "invalid",
  error: "error",
};

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
  const verdict = result.verdict;
  const revocation = result.checks.find((check) => check.name === "revocation");
  const [title, text] = VERDICT_WORDS[verdict];
  const at = formatDateTime((revocation?.data?.revokedAt as string | undefined) ?? "", language());
  return el(
    "div",
    { class: `verdict verdict-${verdict}`, "data-testid": "verdict", "data-status": verdict },
    icon(VERDICT_ICONS[verdict]),
    el("div", {}, el("h2", { class: "verdict-title" }, t(title)), el("p", {}, t(text, { at }))),
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
  const { title, explanation } = describeCheck(language(), check);
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

/**
 * A label and its value. `path` is the value's JSON pointer in the document (`data-path`), where
 * the school workspace marks a draft's problems.
 */
function field(
  label: string,
  value: string | number | null | undefined,
  mono = false,
  path?: string,
): HTMLElement[] {
  return [
    el("dt", {}, label),
    el(
      "dd",
      { ...(mono ? { class: "mono" } : {}), "data-path": path },
      value === null || value === undefined ? "—" : String(value),
    ),
  ];
}

function fields(...pairs: HTMLElement[][]): HTMLElement {
  return el("dl", { class: "fields" }, ...pairs.flat());
}

/** A result as the page's language writes it: 8,5 / 8.5; Đ and CĐ as P and NP in English. */
function scoreText(value: number | string): string {
  return typeof value === "number" ? formatScore(value, language()) : valueText("assessment", value);
}

/**
 * The school years in the transcript's order, a withheld one ("/years/<n>") as a line in its place:
 * the years shown are the others, in order.
 */
function renderYears(years: readonly SchoolYear[], withheld: readonly string[]): HTMLElement[] {
  const hidden = new Set(
    withheld.filter((pointer) => pointer.startsWith("/years/")).map((pointer) => Number(pointer.slice(7))),
  );
  const shown = [...years];
  return Array.from({ length: years.length + hidden.size }, (_, position) =>
    hidden.has(position)
      ? el(
          "p",
          {
            class: "school-year withheld muted",
            "data-testid": "withheld",
            "data-field": `years/${position}`,
          },
          t("withheldYear", { n: String(position + 1) }),
        )
      : renderYear(shown.shift()!, `/years/${position}`),
  );
}

function renderYear(year: SchoolYear, path: string): HTMLElement {
  const rows = year.subjects.map((subject, index) =>
    el(
      "tr",
      { "data-path": `${path}/subjects/${index}` },
      el("th", { scope: "row" }, valueText("subject", subject.code, subject.name)),
      el("td", {}, scoreText(subject.term1)),
      el("td", {}, scoreText(subject.term2)),
      el("td", { class: "year-result" }, scoreText(subject.year)),
    ),
  );
  return el(
    "section",
    { class: "school-year", "data-path": path },
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
    year.subjects.some((subject) => subject.assessment === "comment")
      ? el("p", { class: "legend muted" }, t("assessmentLegend"))
      : null,
    fields(
      field(t("academicResult"), valueText("result", year.academicResult), false, `${path}/academicResult`),
      field(t("conductResult"), valueText("result", year.conductResult), false, `${path}/conductResult`),
      field(t("daysAbsent"), year.daysAbsent, false, `${path}/daysAbsent`),
      field(t("outcome"), t(`outcome_${year.outcome}` as MessageKey), false, `${path}/outcome`),
      field(t("homeroomTeacher"), year.homeroomTeacher, false, `${path}/homeroomTeacher`),
      year.remarks ? field(t("remarks"), year.remarks, false, `${path}/remarks`) : [],
    ),
  );
}

/** The documents whose citizen ID and ethnicity the reader chose to see (until the next file). */
const revealed = new Set<string>();

/** Forgets what the reader chose to see (a new file is checked). */
export function hidePersonalData(): void {
  revealed.clear();
}

/**
 * The student, with the citizen ID masked and the ethnicity hidden unless the reader pressed
 * the "show" button (`[data-testid="reveal-personal"]`) for this document.
 */
function renderStudent(
  student: Transcript["student"],
  documentId: string,
  withheld: readonly string[] = [],
): HTMLElement[] {
  const lang = language();
  const isWithheld = (field: string) => withheld.includes(`/student/${field}`);
  // A field the holder withheld is shown as such — never as "hidden until you press show".
  const withheldField = (label: string, field: string): HTMLElement[] => [
    el("dt", {}, label),
    el("dd", { class: "muted withheld", "data-testid": "withheld", "data-field": field }, t("withheldValue")),
  ];
  const shown = revealed.has(documentId);
  const citizenId = el("dd", {
    class: "mono citizen-id",
    "data-testid": "citizen-id",
    "data-path": "/student/citizenId",
  });
  const ethnicity = el("dd", { "data-testid": "ethnicity", "data-path": "/student/ethnicity" });
  const button = el("button", {
    type: "button",
    class: "button secondary reveal",
    "data-testid": "reveal-personal",
  });
  const show = (visible: boolean) => {
    if (!isWithheld("citizenId"))
      citizenId.textContent = visible ? student.citizenId : maskCitizenId(student.citizenId);
    ethnicity.textContent = visible ? student.ethnicity : t("hiddenValue");
    ethnicity.classList.toggle("muted", !visible);
    button.textContent = visible ? t("hidePersonal") : t("showPersonal");
    button.setAttribute("aria-pressed", String(visible));
  };
  button.addEventListener("click", () => {
    const visible = !revealed.has(documentId);
    if (visible) revealed.add(documentId);
    else revealed.delete(documentId);
    show(visible);
  });
  show(shown);
  const revealable = !isWithheld("citizenId") || !isWithheld("ethnicity");
  const parts: Array<HTMLElement | null> = [
    el(
      "dl",
      { class: "fields" },
      ...field(t("fullName"), student.fullName, false, "/student/fullName"),
      ...field(t("dateOfBirth"), formatDate(student.dateOfBirth, lang), false, "/student/dateOfBirth"),
      ...field(t("gender"), valueText("gender", student.gender), false, "/student/gender"),
      ...(isWithheld("ethnicity")
        ? withheldField(t("ethnicity"), "ethnicity")
        : [el("dt", {}, t("ethnicity")), ethnicity]),
      ...(isWithheld("placeOfBirth")
        ? withheldField(t("placeOfBirth"), "placeOfBirth")
        : field(t("placeOfBirth"), student.placeOfBirth, false, "/student/placeOfBirth")),
      ...field(t("studentCode"), student.studentCode, true, "/student/studentCode"),
      ...(isWithheld("citizenId")
        ? withheldField(t("citizenId"), "citizenId")
        : [el("dt", {}, t("citizenId")), citizenId]),
    ),
    revealable
      ? el("p", { class: "reveal-row" }, button, " ", el("span", { class: "muted" }, t("personalNote")))
      : null,
    withheld.length > 0 ? el("p", { class: "muted withheld-note" }, t("withheldNote")) : null,
  ];
  return parts.filter((part): part is HTMLElement => part !== null);
}

/**
 * The document as a học bạ (or a graduation record), marked unconfirmed unless the verdict is
 * valid. The school workspace shows its unsigned drafts with it too: `draftNote` then replaces the
 * "not confirmed" note, and each value carries its JSON pointer (`data-path`) for the problems.
 */
export function renderDocument(
  document: Transcript | Graduation,
  verdict: Verdict | "draft",
  /** JSON pointers of what the holder withheld (a hocba/2 credential shared in part). */
  withheld: readonly string[] = [],
  draftNote?: string,
): HTMLElement {
  const lang = language();
  const confirmed = verdict === "valid";
  const heading = document.type === "hocba.transcript/v1" ? t("transcriptHeading") : t("graduationHeading");
  const body =
    document.type === "hocba.transcript/v1"
      ? [
          el("h3", {}, t("student")),
          ...renderStudent(document.student, document.id, withheld),
          el("h3", {}, t("school")),
          fields(
            field(t("school"), document.school.name),
            field(t("schoolCode"), document.school.code, true),
            field(t("level"), valueText("level", document.school.level)),
          ),
          ...renderYears(document.years, withheld),
          document.completion
            ? el(
                "section",
                { class: "completion", "data-testid": "completion" },
                el("h3", {}, t("completionHeading")),
                fields(
                  field(t("completionDate"), formatDate(document.completion.date, lang)),
                  field(t("completionPrincipal"), document.completion.principal),
                ),
              )
            : null,
          fields(
            field(t("issuedAt"), formatDateTime(document.issuedAt, lang)),
            field(t("documentId"), document.id, true),
          ),
        ]
      : [
          el("h3", {}, t("student")),
          ...renderStudent(document.student, document.id),
          fields(
            field(t("school"), `${document.school.name} (${document.school.code})`),
            field(t("district"), document.district.name),
            document.decidedBy ? field(t("decidedBy"), document.decidedBy.name) : [],
            field(t("decision"), `${document.decision.number} — ${formatDate(document.decision.date, lang)}`),
            field(t("graduationYear"), document.graduationYear),
            document.classification
              ? field(t("classification"), valueText("classification", document.classification))
              : [],
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
    confirmed
      ? null
      : el(
          "p",
          { class: "unconfirmed-note" },
          icon("error"),
          " ",
          verdict === "draft" && draftNote !== undefined ? draftNote : t("untrustedNote"),
        ),
    ...body,
  );
}

interface SignerView {
  subject?: string;
  issuer?: string;
  signingTime?: string;
  /** A verified RFC 3161 timestamp: the trusted signing time and the TSA's certificate subject. */
  timestamp?: { time?: string; tsa?: string };
  status?: { state?: string; at?: string; revokedAt?: string; responder?: string; source?: string };
  /** The issuer registry's role (signer check), when it was asked. */
  role?: string;
  name?: string;
  organisation?: string;
}

/**
 * "tốt lúc <time>, theo <responder>" / "good at <time>, per <responder>": the certificate status
 * the evidence proves — embedded in the signature, or for a signed PDF its DSS and its proof — the
 * responder by its common name; a revocation says whether it came before or after the signature's
 * trusted time (its timestamp, else its signing time).
 */
function certStatusText(signer: SignerView, lang: "vi" | "en"): string | undefined {
  const status = signer.status;
  if (status?.at === undefined || status.responder === undefined) return undefined;
  const responder = /(?:^|, )CN=([^,]+)/.exec(status.responder)?.[1] ?? status.responder;
  const per = `, ${t("certStatusPer")} ${responder}`;
  if (status.state === "good") return `${t("certStatusGood")} ${formatDateTime(status.at, lang)}${per}`;
  if (status.state === "revoked" && status.revokedAt !== undefined) {
    const signed = signer.timestamp?.time ?? signer.signingTime;
    const before = signed !== undefined && Date.parse(status.revokedAt) <= Date.parse(signed);
    return `${t("certStatusRevoked")} ${formatDateTime(status.revokedAt, lang)} (${t(before ? "certStatusBeforeSigning" : "certStatusAfterSigning")})${per}`;
  }
  return `${t("certStatusUnknown")} ${formatDateTime(status.at, lang)}${per}`;
}

/**
 * The issuer: the school named in the document, then each signer by role and name ("Hiệu
 * trưởng: Nguyễn Văn Hùng", "Con dấu của trường: Trường THCS Nguyễn Du") with the
 * organisation its certificate names and the signing time; the role is the issuer registry's
 * (the certificate's title when the registry was not asked); the certificates' X.500 names are
 * technical details, folded.
 */
export function renderIssuer(document: Transcript | Graduation, result: VerificationResult): HTMLElement {
  return el(
    "section",
    { class: "card", "aria-labelledby": "issuer-heading" },
    el("h2", { id: "issuer-heading" }, t("issuerHeading")),
    ...signerParts(result, [field(t("school"), `${document.school.name} (${document.school.code})`)]),
  );
}

/**
 * A PDF the school signed itself (core/verification/pdf.ts): the school's code (the PDF holds no
 * structured name the page could trust), the file's hash, whether the service keeps structured
 * data for it, and each signature's signer by role and name, as for a credential.
 */
export function renderSignedPdf(
  result: VerificationResult,
  proof: { issuerCode: string; structured: boolean } | undefined,
): HTMLElement {
  const docHash = result.checks.find((check) => check.name === "integrity")?.data?.docHash as
    string | undefined;
  return el(
    "section",
    { class: "card", "aria-labelledby": "issuer-heading", "data-testid": "signed-pdf" },
    el("h2", { id: "issuer-heading" }, t("signedPdfHeading")),
    ...signerParts(result, [
      proof ? field(t("school"), proof.issuerCode) : [],
      field(t("pdfHash"), docHash, true),
      proof ? field(t("pdfStructured"), t(proof.structured ? "pdfStructuredYes" : "pdfStructuredNo")) : [],
    ]),
  );
}

/** The fields `first`, then each signer by role and name, then the certificates folded. */
function signerParts(result: VerificationResult, first: HTMLElement[][]): (HTMLElement | null)[] {
  const lang = language();
  // The signer check reports the certificate's issuer too; the signature check only the subject.
  const reported = (name: string) =>
    result.checks.find((check) => check.name === name)?.data?.signers as SignerView[] | undefined;
  const signers = reported("signer") ?? reported("signature") ?? [];
  return [
    fields(
      ...first,
      ...signers.flatMap((signer) => {
        const { name, title } = signerName(signer.subject ?? "");
        const shown = signer.name ?? name;
        const organisation = signer.organisation === shown ? undefined : signer.organisation;
        const certStatus = certStatusText(signer, lang);
        return [
          [
            el("dt", { "data-testid": "signer-role" }, signerRoleText(signer.role, title)),
            el(
              "dd",
              { "data-testid": "signer" },
              shown,
              organisation ? el("span", { class: "signer-organisation" }, ` — ${organisation}`) : null,
            ),
          ],
          field(t("signingTime"), signer.signingTime ? formatDateTime(signer.signingTime, lang) : undefined),
          // Shown only when the signature carries them (a timestamp token, status evidence).
          signer.timestamp?.time
            ? field(
                t("timestamp"),
                t("timestampBy", {
                  time: formatDateTime(signer.timestamp.time, lang),
                  tsa: signerName(signer.timestamp.tsa ?? "").name || (signer.timestamp.tsa ?? ""),
                }),
              )
            : [],
          certStatus === undefined ? [] : field(t("certStatus"), certStatus),
        ];
      }),
    ),
    signers.length === 0
      ? null
      : el(
          "details",
          { class: "check-details" },
          el("summary", {}, t("certificates")),
          fields(
            ...signers.flatMap((signer) => [
              field(t("signerSubject"), signer.subject, true),
              field(t("signerIssuer"), signer.issuer, true),
            ]),
          ),
        ),
  ];
}

/** The anchor fields the card shows (the credential's own type). */
type AnchorView = Pick<CredentialAnchor, "chainId" | "registry" | "txHash" | "blockNumber" | "anchoredAt">;

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
