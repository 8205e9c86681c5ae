/**
 * Entry point of /truong, the school workspace (docs/staff-sign-in.md): asks who is signed in
 * (GET /api/v1/staff/me; 401 = signed out), shows the person's schools and roles, signs out
 * (POST /truong/dang-xuat with the session's CSRF token), and for a department officer shows every
 * school's progress as counts by state. The page keeps what it fetched and re-renders its text on
 * a language switch.
 */
import "../common/base.css";
import "./workspace.css";
import { byId, el } from "../common/dom";
import { mountLanguageSwitch, onLanguageChange } from "../common/i18n";
import { t, type MessageKey } from "./messages";

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

const state: {
  me: Me | null | undefined;
  progress: Progress | undefined;
  error: { key: MessageKey; code: string } | undefined;
} = { me: undefined, progress: undefined, error: undefined };

async function getJson<T>(url: string): Promise<{ status: number; body: T | { error?: { code?: string } } }> {
  const response = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
}

function errorCode(body: unknown, status: number): string {
  return (body as { error?: { code?: string } }).error?.code ?? `HTTP ${status}`;
}

function applyTexts(): void {
  document.title = t("documentTitle");
  for (const node of document.querySelectorAll<HTMLElement>("[data-i18n]"))
    node.textContent = t(node.dataset.i18n as MessageKey);
  for (const node of document.querySelectorAll<HTMLElement>("[data-i18n-label]"))
    node.setAttribute("aria-label", t(node.dataset.i18nLabel as MessageKey));
}

function roleLabel(role: string): string {
  const key = `role_${role}` as MessageKey;
  return t(key) ?? role;
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

function render(): void {
  applyTexts();
  byId("loading").hidden = state.me !== undefined || state.error !== undefined;
  byId("signed-out").hidden = state.me !== null;
  byId("signed-in").hidden = !state.me;
  byId("department").hidden = !state.progress;
  const error = byId("page-error");
  error.hidden = state.error === undefined;
  if (state.error) error.textContent = t(state.error.key, { code: state.error.code });
  if (state.me) {
    byId("person-name").textContent = state.me.name;
    byId("person-issuer").textContent = state.me.issuer;
    renderAssignments(state.me);
  }
  if (state.progress) renderProgress(state.progress);
}

async function load(): Promise<void> {
  const me = await getJson<Me>("/api/v1/staff/me");
  if (me.status === 401) state.me = null;
  else if (me.status === 200) state.me = me.body as Me;
  else state.error = { key: "errorGeneric", code: errorCode(me.body, me.status) };
  if (state.me && state.me.assignments.some((a) => a.roles.includes("department"))) {
    const progress = await getJson<Progress>("/api/v1/department/progress");
    if (progress.status === 200) state.progress = progress.body as Progress;
    else state.error = { key: "errorGeneric", code: errorCode(progress.body, progress.status) };
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
  } else {
    state.error = {
      key: "errorSignOut",
      code: errorCode(await response.json().catch(() => ({})), response.status),
    };
  }
  render();
  if (state.me === null) byId("signed-out-heading").focus();
}

mountLanguageSwitch(byId("lang-switch"));
onLanguageChange(render);
byId("sign-out").addEventListener("click", () => void signOut());
byId("signed-out-heading").tabIndex = -1;
render();
void load().catch(() => {
  state.error = { key: "errorGeneric", code: "network" };
  render();
});
