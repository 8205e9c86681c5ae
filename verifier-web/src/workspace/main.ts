/**
 * Entry point of /truong, the school workspace (docs/staff-sign-in.md): asks who is signed in
 * (GET /api/v1/staff/me; 401 = signed out), shows the person's schools and roles, signs out
 * (POST /truong/dang-xuat with the session's CSRF token), and for a department officer shows every
 * school's progress as counts by state. A school's staff see their school's classes (the status
 * board), import a class workbook into drafts (a clerk), review each draft as the học bạ it will be,
 * and sign (school.ts, review.ts, signing.ts). The page keeps what it fetched and re-renders its
 * text on a language switch.
 */
import "../common/base.css";
import "../verifier/verifier.css";
import "../common/badges.css";
import "./workspace.css";
import { byId, el } from "../common/dom";
import { mountHeader } from "../common/header";
import { onLanguageChange } from "../common/i18n";
import { mountSessionCards } from "../common/session";
import { deleteJson, errorCode, getJson, postJson, useCsrfToken, type Answer, type ApiError } from "./api";
import { refusalKey, roleInSentence, roleLabel, t, type MessageKey } from "./messages";
import { devices, loadDevices, makeDevice, renderDevices, revokeDevice } from "./devices";
import { renderReview, type DraftView } from "./review";
import { signDocuments, type SignOutcome } from "./signing";
import { renderSharePanel, sharing, SHARING_ROLES, toggleShares } from "./shares";
import {
  classId,
  classesOf,
  renderBoard,
  renderDocuments,
  renderProblems,
  type ClassKey,
  type DocumentSummary,
  type WorkbookProblem,
} from "./school";

interface Assignment {
  school: string;
  roles: string[];
  classes: string[];
}
interface Me {
  name: string;
  issuer: string;
  subject: string;
  assignments: Assignment[];
  csrfToken: string;
}
interface SchoolProgress {
  code: string;
  name: string;
  counts: Record<string, number>;
  total: number;
}
interface Progress {
  schools: SchoolProgress[];
  states: string[];
}

/** What the signing form shows. */
type SigningState =
  | { kind: "idle" }
  | { kind: "missing"; what: "file" | "nothing" }
  | { kind: "busy"; done: number; total: number }
  | { kind: "done"; signer: string; outcomes: SignOutcome[] }
  | { kind: "failed"; code: string };

/** What the import form shows: nothing yet, the upload under way, the result, or why not. */
type ImportState =
  | { kind: "idle" }
  | { kind: "nofile" }
  | { kind: "busy"; file: string }
  | { kind: "done"; file: string; className: string; schoolYear: string; students: number; kept: number }
  | { kind: "refused"; file: string; problems: WorkbookProblem[] }
  | { kind: "failed"; file: string; code: string; message?: string };

const state: {
  me: Me | null | undefined;
  progress: Progress | undefined;
  error: { key: MessageKey; code: string } | undefined;
  /** The school whose classes are shown (a person with several picks one). */
  school: string | undefined;
  documents: DocumentSummary[] | undefined;
  chosen: ClassKey | undefined;
  import: ImportState;
  review: { id: string; view?: DraftView; error?: string } | undefined;
  signing: SigningState;
  /** The document whose revocation form is open. */
  revoking: string | undefined;
  /** What the last revoke or correction did, in words. */
  followed: string | undefined;
} = {
  me: undefined,
  progress: undefined,
  error: undefined,
  school: undefined,
  documents: undefined,
  chosen: undefined,
  import: { kind: "idle" },
  review: undefined,
  signing: { kind: "idle" },
  revoking: undefined,
  followed: undefined,
};

/** The person's school assignments (not the department's). */
function schoolAssignments(): Assignment[] {
  return (state.me?.assignments ?? []).filter((a) => !a.roles.includes("department"));
}

/** The person's roles at the shown school. */
function rolesHere(): string[] {
  return schoolAssignments().find((a) => a.school === state.school)?.roles ?? [];
}

function applyTexts(): void {
  document.title = t("documentTitle");
  for (const node of document.querySelectorAll<HTMLElement>("[data-i18n]"))
    node.textContent = t(node.dataset.i18n as MessageKey);
  for (const node of document.querySelectorAll<HTMLElement>("[data-i18n-label]"))
    node.setAttribute("aria-label", t(node.dataset.i18nLabel as MessageKey));
}

function renderAssignments(me: Me): void {
  const list = byId("assignments");
  list.replaceChildren(
    ...me.assignments.map((a) => {
      const department = a.roles.includes("department");
      return el(
        "li",
        { class: "assignment", "data-school": a.school },
        el(
          "span",
          { class: "assignment-school" },
          t(department ? "departmentScope" : "school", { code: a.school }),
        ),
        el(
          "span",
          { class: "assignment-roles" },
          ...a.roles.map((r) => el("span", { class: "role-badge", "data-role": r }, roleLabel(r))),
        ),
        a.classes.length > 0 &&
          el("span", { class: "assignment-classes" }, t("classes", { classes: a.classes.join(", ") })),
      );
    }),
  );
  byId("no-assignments").hidden = me.assignments.length > 0;
}

function renderProgress(progress: Progress): void {
  const table = byId<HTMLTableElement>("progress-table");
  const head = el(
    "thead",
    {},
    el(
      "tr",
      {},
      el("th", { scope: "col" }, t("colSchool")),
      ...progress.states.map((s) => el("th", { scope: "col", class: "num" }, t(`state_${s}` as MessageKey))),
      el("th", { scope: "col", class: "num" }, t("colTotal")),
    ),
  );
  const rows =
    progress.schools.length === 0
      ? [el("tr", {}, el("td", { colspan: progress.states.length + 2 }, t("noSchools")))]
      : progress.schools.map((school) =>
          el(
            "tr",
            { "data-testid": "school-progress", "data-school": school.code },
            el("th", { scope: "row" }, el("span", { class: "mono" }, school.code), " ", school.name),
            ...progress.states.map((s) =>
              el("td", { class: "num", "data-state": s }, String(school.counts[s] ?? 0)),
            ),
            el("td", { class: "num", "data-state": "total" }, String(school.total)),
          ),
        );
  table.replaceChildren(head, el("tbody", {}, ...rows));
}

function renderSchool(): void {
  const assignments = schoolAssignments();
  byId("school").hidden = assignments.length === 0;
  if (assignments.length === 0) return;
  const schoolField = byId("school-field");
  schoolField.hidden = assignments.length < 2;
  const schoolSelect = byId<HTMLSelectElement>("school-select");
  schoolSelect.replaceChildren(
    ...assignments.map((a) =>
      el("option", { value: a.school, selected: a.school === state.school }, t("school", { code: a.school })),
    ),
  );
  const documents = state.documents ?? [];
  const classes = classesOf(documents);
  const classSelect = byId<HTMLSelectElement>("class-select");
  classSelect.replaceChildren(
    ...classes.map((c) =>
      el(
        "option",
        { value: classId(c), selected: state.chosen !== undefined && classId(c) === classId(state.chosen) },
        t("classYear", { className: c.className, year: c.schoolYear }),
      ),
    ),
  );
  classSelect.disabled = classes.length === 0;
  byId("no-classes").hidden = state.documents === undefined || classes.length > 0;
  byId("board").replaceChildren(
    ...(classes.length > 0 ? renderBoard(documents, state.chosen, chooseClass) : []),
  );

  const roles = rolesHere();
  byId("import").hidden = !roles.includes("clerk");
  renderImport();

  const shown = state.chosen ? documents.filter((d) => classId(d) === classId(state.chosen!)) : [];
  byId("documents").hidden = state.chosen === undefined;
  if (state.chosen) {
    byId("documents-heading").textContent = t("documentsHeading", {
      className: state.chosen.className,
      year: state.chosen.schoolYear,
    });
    byId("documents-summary").textContent = t("documentsSummary", { count: shown.length });
    const zip = byId<HTMLAnchorElement>("class-zip");
    zip.hidden = !shown.some((d) => d.status === "anchored");
    zip.href = `/api/v1/drafts/archive.zip?${new URLSearchParams({
      school: state.school ?? "",
      year: state.chosen.schoolYear,
      class: state.chosen.className,
    }).toString()}`;
    zip.textContent = t("classZip", { className: state.chosen.className });
    const follow = byId("follow-status");
    follow.hidden = state.followed === undefined;
    follow.textContent = state.followed ?? "";
    byId("document-list").replaceChildren(
      ...renderDocuments(shown, state.review?.id, (id) => void openReview(id), {
        canRevoke: roles.includes("principal"),
        canCorrect: roles.includes("clerk"),
        canShare: roles.some((r) => SHARING_ROLES.includes(r)),
        canRemove: (role) =>
          roles.some((r) => r === "principal" || r === "school-admin" || (SIGNED_AS[r] ?? []).includes(role)),
        revoking: state.revoking,
        openRevoke: (id) => {
          state.revoking = id;
          render();
        },
        revoke: (id, reason) =>
          void followUp(id, "revokedDone", () => postJson(`${draftUrl(id)}/revoke`, { reason })),
        correct: (id) => void followUp(id, "correctionDone", () => postJson(`${draftUrl(id)}/correction`)),
        retry: (id) => void followUp(id, "retryDone", () => postJson(`${draftUrl(id)}/submission`)),
        removeSignature: (id, role) =>
          void followUp(
            id,
            "removedDone",
            () => deleteJson(`${draftUrl(id)}/signatures/${encodeURIComponent(role)}`),
            { role: roleInSentence(role) },
          ),
        sharing: sharing.id,
        share: (id) => void toggleShares(id, render),
        sharePanel: (d) => renderSharePanel(d.fullName, render),
      }),
    );
  }
  renderSigning(shown);
  const signer = isSigner();
  byId("devices").hidden = !signer;
  if (signer)
    byId("device-list").replaceChildren(...renderDevices((id) => void revokeDevice(id).then(render)));
  renderReviewPanel();
}

function isSigner(): boolean {
  return rolesHere().some((r) => r === "homeroom" || r === "principal" || r === "seal");
}

/** The documents of `shown` awaiting the signed-in person's signature. */
function awaitingMe(shown: readonly DocumentSummary[]): DocumentSummary[] {
  return shown.filter((d) => d.awaitingMe === true && (d.status === "draft" || d.status === "awaiting"));
}

function renderSigning(shown: readonly DocumentSummary[]): void {
  const section = byId("signing");
  section.hidden =
    state.chosen === undefined ||
    !rolesHere().some((r) => r === "homeroom" || r === "principal" || r === "seal");
  if (section.hidden) return;
  const waiting = awaitingMe(shown).length;
  byId("signing-count").textContent =
    waiting === 0
      ? t("signingNone")
      : t("signingCount", { count: waiting, className: state.chosen!.className });
  const s = state.signing;
  byId<HTMLButtonElement>("sign").disabled = s.kind === "busy";
  const status = byId("signing-status");
  const names = new Map(shown.map((d) => [d.id, d.fullName]));
  if (s.kind === "idle") {
    status.className = "signing-status";
    status.replaceChildren();
  } else if (s.kind === "missing") {
    status.className = "signing-status bad";
    status.replaceChildren(t(s.what === "file" ? "signingChooseFile" : "signingNothing"));
  } else if (s.kind === "busy") {
    status.className = "signing-status";
    status.replaceChildren(t("signingBusy", { done: s.done, total: s.total }));
  } else if (s.kind === "failed") {
    status.className = "signing-status bad";
    status.replaceChildren(t(refusalKey(s.code), { code: s.code }));
  } else {
    const failed = s.outcomes.filter((o) => !o.ok);
    const submitted = s.outcomes.filter((o) => o.ok && o.submitted).length;
    status.className = `signing-status ${failed.length === 0 ? "ok" : "bad"}`;
    status.replaceChildren(
      el("p", {}, t("signingDone", { signer: s.signer, ok: s.outcomes.length - failed.length, submitted })),
    );
    if (failed.length > 0)
      status.append(
        el(
          "ul",
          { class: "signing-results" },
          ...failed.map((o) =>
            el(
              "li",
              { "data-testid": "sign-refusal", "data-code": o.code ?? "" },
              `${names.get(o.id) ?? o.id}: ${t(refusalKey(o.code ?? ""), { code: o.code ?? "" })}`,
            ),
          ),
        ),
      );
  }
}

async function signClass(): Promise<void> {
  const shown = (state.documents ?? []).filter((d) => state.chosen && classId(d) === classId(state.chosen));
  const ids = awaitingMe(shown).map((d) => d.id);
  const fileInput = byId<HTMLInputElement>("p12");
  const passwordInput = byId<HTMLInputElement>("p12Password");
  const file = fileInput.files?.[0];
  if (ids.length === 0) state.signing = { kind: "missing", what: "nothing" };
  else if (!file) state.signing = { kind: "missing", what: "file" };
  if (ids.length === 0 || !file) {
    render();
    if (!file && ids.length > 0) fileInput.focus();
    return;
  }
  state.signing = { kind: "busy", done: 0, total: ids.length };
  render();
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const { signer, outcomes } = await signDocuments(ids, bytes, passwordInput.value, (done, total) => {
      state.signing = { kind: "busy", done, total };
      renderSigning(shown);
    });
    state.signing = { kind: "done", signer, outcomes };
    // The password is not kept once it has served.
    passwordInput.value = "";
    await loadDocuments();
  } catch (error) {
    const code = (error as { code?: string }).code ?? "network";
    state.signing = { kind: "failed", code };
  }
  render();
  if (state.signing.kind === "failed" && state.signing.code === "P12_PASSWORD_INVALID") passwordInput.focus();
}

function renderImport(): void {
  const status = byId("import-status");
  const problems = byId("import-problems");
  const submit = byId<HTMLButtonElement>("import-submit");
  const s = state.import;
  submit.disabled = s.kind === "busy";
  status.className = `import-status import-${s.kind}`;
  status.textContent =
    s.kind === "busy"
      ? t("importBusy", { file: s.file })
      : s.kind === "done"
        ? t("importDone", {
            file: s.file,
            className: s.className,
            year: s.schoolYear,
            students: s.students,
            kept: s.kept,
          })
        : s.kind === "refused"
          ? t("importRefused", { file: s.file, count: s.problems.length })
          : s.kind === "failed"
            ? t("importFailed", { file: s.file, code: s.code })
            : s.kind === "nofile"
              ? t("importChooseFile")
              : "";
  problems.hidden = s.kind !== "refused";
  problems.replaceChildren(...(s.kind === "refused" ? [renderProblems(s.problems)] : []));
}

function renderReviewPanel(): void {
  const panel = byId("review");
  const r = state.review;
  panel.hidden = r === undefined;
  if (!r) return;
  const summary = state.documents?.find((d) => d.id === r.id);
  byId("review-heading").textContent = t("reviewHeading", { name: summary?.fullName ?? "" });
  if (r.error) {
    byId("review-problems").replaceChildren(
      el("p", { class: "error-summary" }, t("errorGeneric", { code: r.error })),
    );
    byId("review-body").replaceChildren();
  } else if (!r.view) {
    byId("review-problems").replaceChildren(el("p", { class: "muted" }, t("loadingDocument")));
    byId("review-body").replaceChildren();
  } else {
    const { problems, body } = renderReview(r.view);
    byId("review-problems").replaceChildren(...(problems ? [problems] : []));
    byId("review-body").replaceChildren(body);
  }
}

/** Which registry roles each staff role signs in (the API's SIGNING_ROLES). */
const SIGNED_AS: Record<string, string[]> = {
  principal: ["principal"],
  homeroom: ["homeroom"],
  seal: ["organisation", "seal"],
};

function draftUrl(id: string): string {
  return `/api/v1/drafts/${encodeURIComponent(id)}`;
}

/**
 * Revokes a document (the principal), starts its correction (the clerk), submits a refused one
 * again or removes a signature from it, then says what happened and reloads the class.
 */
async function followUp(
  id: string,
  done: MessageKey,
  call: () => Promise<Answer<ApiError>>,
  values: Record<string, string> = {},
): Promise<void> {
  const name = state.documents?.find((d) => d.id === id)?.fullName ?? "";
  const answer = await call();
  state.revoking = undefined;
  state.followed =
    answer.status >= 200 && answer.status < 300
      ? t(done, { name, ...values })
      : t(refusalKey(errorCode(answer)), { code: errorCode(answer) });
  await loadDocuments();
  render();
  byId("follow-status").focus();
}

function chooseClass(key: ClassKey): void {
  state.chosen = key;
  state.followed = undefined;
  sharing.id = undefined;
  state.review = undefined;
  state.signing = { kind: "idle" };
  render();
}

async function loadDocuments(): Promise<void> {
  if (!state.school) return;
  const answer = await getJson<{ drafts: DocumentSummary[] }>(
    `/api/v1/drafts?school=${encodeURIComponent(state.school)}`,
  );
  if (answer.status !== 200) {
    state.error = { key: "errorGeneric", code: errorCode(answer) };
    return;
  }
  state.documents = answer.body.drafts;
  const classes = classesOf(state.documents);
  if (!state.chosen || !classes.some((c) => classId(c) === classId(state.chosen!))) state.chosen = classes[0];
}

async function importWorkbook(file: File): Promise<void> {
  state.import = { kind: "busy", file: file.name };
  render();
  const type = /\.csv$/i.test(file.name) ? "text/csv" : "application/octet-stream";
  const answer = await postJson<{
    className: string;
    schoolYear: string;
    counts: { students: number; kept: number };
  }>(`/api/v1/drafts/import?school=${encodeURIComponent(state.school ?? "")}`, file, type);
  if (answer.status === 201) {
    const b = answer.body;
    state.import = {
      kind: "done",
      file: file.name,
      className: b.className,
      schoolYear: b.schoolYear,
      students: b.counts.students,
      kept: b.counts.kept,
    };
    state.chosen = { className: b.className, schoolYear: b.schoolYear };
    state.review = undefined;
    await loadDocuments();
  } else if (answer.status === 422 && Array.isArray(answer.body.error?.details)) {
    state.import = {
      kind: "refused",
      file: file.name,
      problems: answer.body.error.details as WorkbookProblem[],
    };
  } else {
    state.import = { kind: "failed", file: file.name, code: errorCode(answer) };
  }
  render();
  if (state.import.kind === "refused") byId("import-problems").focus();
}

async function openReview(id: string): Promise<void> {
  if (state.review?.id === id) {
    state.review = undefined;
    render();
    return;
  }
  state.review = { id };
  render();
  const answer = await getJson<DraftView>(`/api/v1/drafts/${encodeURIComponent(id)}`);
  if (state.review?.id !== id) return;
  state.review = answer.status === 200 ? { id, view: answer.body } : { id, error: errorCode(answer) };
  render();
  byId("review-heading").focus();
}

const session = mountSessionCards({
  signInHref: "/truong/dang-nhap",
  details: { label: "signedInVia", valueId: "person-issuer" },
  onSignOut: () => void signOut(),
});

function render(): void {
  applyTexts();
  session.render(state.me, state.error && t(state.error.key, { code: state.error.code }));
  byId("department").hidden = !state.progress;
  if (state.me) {
    byId("person-issuer").textContent = state.me.issuer;
    renderAssignments(state.me);
  }
  if (state.progress) renderProgress(state.progress);
  renderSchool();
}

async function load(): Promise<void> {
  const me = await getJson<Me>("/api/v1/staff/me");
  if (me.status === 401) state.me = null;
  else if (me.status === 200) state.me = me.body;
  else state.error = { key: "errorGeneric", code: errorCode(me) };
  useCsrfToken(state.me?.csrfToken);
  state.school = schoolAssignments()[0]?.school;
  if (state.school) await loadDocuments();
  if (isSigner()) await loadDevices();
  if (state.me && state.me.assignments.some((a) => a.roles.includes("department"))) {
    const progress = await getJson<Progress>("/api/v1/department/progress");
    if (progress.status === 200) state.progress = progress.body;
    else state.error = { key: "errorGeneric", code: errorCode(progress) };
  }
  render();
}

async function signOut(): Promise<void> {
  if (!state.me) return;
  const response = await fetch("/truong/dang-xuat", {
    method: "POST",
    credentials: "same-origin",
    headers: { "x-csrf-token": state.me.csrfToken },
  });
  if (response.status === 204 || response.status === 401) {
    state.me = null;
    state.progress = undefined;
    state.error = undefined;
    state.school = undefined;
    state.documents = undefined;
    state.chosen = undefined;
    state.review = undefined;
    state.import = { kind: "idle" };
    state.signing = { kind: "idle" };
    sharing.id = undefined;
    sharing.made = undefined;
    devices.tokens = undefined;
    devices.made = undefined;
    devices.error = undefined;
    useCsrfToken(undefined);
  } else {
    state.error = {
      key: "errorSignOut",
      code: errorCode({
        status: response.status,
        body: (await response.json().catch(() => ({}))) as ApiError,
      }),
    };
  }
  render();
  if (state.me === null) session.focusSignedOut();
}

mountHeader("workspace");
onLanguageChange(render);
byId("import-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const file = byId<HTMLInputElement>("workbook").files?.[0];
  if (!file) {
    state.import = { kind: "nofile" };
    render();
    byId("workbook").focus();
    return;
  }
  void importWorkbook(file).catch(() => {
    state.import = { kind: "failed", file: file.name, code: "network" };
    render();
  });
});
byId("signing-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void signClass();
});
byId("device-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const label = byId<HTMLInputElement>("device-label").value.trim();
  const days = Number(byId<HTMLInputElement>("device-days").value);
  if (label === "" || !Number.isInteger(days) || days < 1 || days > 365) {
    devices.invalid = true;
    render();
    byId(label === "" ? "device-label" : "device-days").focus();
    return;
  }
  devices.invalid = false;
  void makeDevice(label, days).then(() => {
    byId<HTMLInputElement>("device-label").value = "";
    render();
  });
});
byId("class-select").addEventListener("change", (event) => {
  const [schoolYear, className] = (event.target as HTMLSelectElement).value.split("|");
  if (schoolYear && className) chooseClass({ schoolYear, className });
});
byId("school-select").addEventListener("change", (event) => {
  state.school = (event.target as HTMLSelectElement).value;
  state.chosen = undefined;
  state.review = undefined;
  void loadDocuments().then(render);
});
byId("review-close").addEventListener("click", () => {
  const id = state.review?.id;
  state.review = undefined;
  render();
  if (id) document.querySelector<HTMLElement>(`[data-testid="document"][data-id="${id}"] button`)?.focus();
});
render();
void load().catch(() => {
  state.error = { key: "errorGeneric", code: "network" };
  render();
});
