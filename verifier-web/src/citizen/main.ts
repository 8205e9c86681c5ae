/**
 * Entry point of /cua-toi, a citizen's own records (docs/citizens.md): asks who is signed in and
 * their records (GET /api/v1/me/records; 401 = signed out), lists each record with its status and
 * downloads, makes share links with a chosen disclosure set and expiry (POST /api/v1/me/shares),
 * lists them with revoke and the access log. Test hooks: `record`, `share`, `disclose`,
 * `expiresInDays`, `share-url`, `share-row`, `revoke-share`, `access-log`.
 */
import "../common/base.css";
import "../common/badges.css";
import "../workspace/workspace.css";
import "./citizen.css";
import { byId, el, formatDateTime } from "../common/dom";
import { mountHeader } from "../common/header";
import { language, onLanguageChange } from "../common/i18n";
import { mountSessionCards } from "../common/session";
import { t, type MessageKey } from "./messages";

interface RecordView {
  id: string;
  type: string;
  relation: "self" | "child";
  studentName: string;
  dateOfBirth: string;
  issuerName: string;
  schoolName: string;
  status: string;
  supersededBy: string | null;
  years: { schoolYear: string; grade: number }[];
  withholdable: string[];
  graduation?: { year: number; diplomaSerial: string; decision: string };
}
interface ShareView {
  id: string;
  documentId: string;
  withhold: string[];
  kind: "link" | "pdf";
  expiresAt: string;
  state: "active" | "expired" | "revoked";
  opened: number;
}
interface Me {
  name: string;
  citizenId: string;
  guardianOf: string[];
  csrfToken: string;
  records: RecordView[];
  shares: ShareView[];
}
interface Access {
  at: string;
  clientKind: string;
  network: string;
  outcome: string;
}

const state: {
  me: Me | null | undefined;
  error: { key: MessageKey; code: string } | undefined;
  /** The record whose share form is open. */
  sharing: string | undefined;
  /** The link just made (shown once), by record id. */
  created: { documentId: string; url: string } | undefined;
  logs: Map<string, Access[]>;
} = { me: undefined, error: undefined, sharing: undefined, created: undefined, logs: new Map() };

const codeOf = (body: unknown, status: number) =>
  (body as { error?: { code?: string } }).error?.code ?? `HTTP ${status}`;

async function call<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const headers = new Headers(init.headers);
  headers.set("accept", "application/json");
  if (init.method === "POST" && state.me) headers.set("x-csrf-token", state.me.csrfToken);
  const response = await fetch(url, { ...init, headers, credentials: "same-origin" });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
}

function applyTexts(): void {
  document.title = t("documentTitle");
  for (const node of document.querySelectorAll<HTMLElement>("[data-i18n]"))
    node.textContent = t(node.dataset.i18n as MessageKey);
}

function partLabel(record: RecordView, part: string): string {
  if (part.startsWith("years/")) {
    const year = record.years[Number(part.slice(6))];
    return year ? t("partYear", { year: year.schoolYear, grade: year.grade }) : part;
  }
  return t(`part_${part}` as MessageKey);
}

function shareForm(record: RecordView): HTMLElement {
  const form = el(
    "form",
    { class: "share-form", "data-testid": "share-form", "aria-labelledby": `share-h-${record.id}` },
    el("h4", { id: `share-h-${record.id}` }, t("shareHeading")),
    el("p", { class: "muted" }, t("shareIntro")),
    el(
      "fieldset",
      { class: "share-parts" },
      ...record.withholdable.map((part) =>
        el(
          "label",
          { class: "share-part" },
          el("input", { type: "checkbox", name: "disclose", value: part, checked: true }),
          " ",
          partLabel(record, part),
        ),
      ),
    ),
    el(
      "label",
      { class: "share-days" },
      t("expiresInDays"),
      " ",
      el("input", { type: "number", name: "expiresInDays", min: 1, max: 365, value: 30, required: true }),
    ),
    el(
      "div",
      { class: "share-actions" },
      el("button", { type: "submit", class: "button", "data-testid": "create-share" }, t("createShare")),
      el("button", { type: "button", class: "button secondary", "data-action": "cancel" }, t("cancel")),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const shown = new Set(data.getAll("disclose").map(String));
    void createShare(record.id, {
      withhold: record.withholdable.filter((p) => !shown.has(p)),
      expiresInDays: Number(data.get("expiresInDays")),
    });
  });
  form.querySelector('[data-action="cancel"]')!.addEventListener("click", () => {
    state.sharing = undefined;
    render();
  });
  return form;
}

function accessLog(share: ShareView): HTMLElement | false {
  const log = state.logs.get(share.id);
  if (!log) return false;
  if (log.length === 0) return el("p", { class: "muted", "data-testid": "access-log" }, t("logEmpty"));
  return el(
    "div",
    { class: "table-scroll", tabindex: 0, role: "region", "aria-label": t("showLog") },
    el(
      "table",
      { class: "progress-table", "data-testid": "access-log" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...(["logAt", "logClient", "logNetwork", "logOutcome"] as const).map((k) =>
            el("th", { scope: "col" }, t(k)),
          ),
        ),
      ),
      el(
        "tbody",
        {},
        ...log.map((a) =>
          el(
            "tr",
            { "data-outcome": a.outcome },
            el("td", {}, formatDateTime(a.at, language())),
            el("td", {}, t(`client_${a.clientKind}` as MessageKey)),
            el("td", { class: "mono" }, a.network),
            el("td", {}, t(`outcome_${a.outcome}` as MessageKey)),
          ),
        ),
      ),
    ),
  );
}

function shareRow(record: RecordView, share: ShareView): HTMLElement {
  const revoke = el(
    "button",
    { type: "button", class: "button secondary small", "data-testid": "revoke-share" },
    t("revoke"),
  );
  revoke.addEventListener("click", () => void revokeShare(share.id));
  const showLog = el(
    "button",
    { type: "button", class: "button secondary small", "data-testid": "show-log" },
    t("showLog"),
  );
  showLog.addEventListener("click", () => void loadLog(share.id));
  return el(
    "li",
    { class: "share-row", "data-testid": "share-row", "data-share": share.id, "data-state": share.state },
    el(
      "div",
      { class: "share-facts" },
      el("span", { class: `state-badge state-${share.state}` }, t(`state_${share.state}` as MessageKey)),
      el("span", {}, share.kind === "pdf" ? t("sharePdf") : t("shareLink")),
      el("span", { class: "muted" }, t("expires", { date: formatDateTime(share.expiresAt, language()) })),
      el(
        "span",
        { class: "muted" },
        share.withhold.length === 0
          ? t("withholdsNothing")
          : t("withholds", { parts: share.withhold.map((p) => partLabel(record, p)).join(", ") }),
      ),
      el("span", { class: "muted" }, t("opened", { n: share.opened })),
    ),
    el("div", { class: "share-actions" }, share.state === "active" && revoke, showLog),
    accessLog(share),
  );
}

function recordCard(record: RecordView, shares: ShareView[]): HTMLElement {
  const transcript = record.type === "hocba.transcript/v1";
  const anchored = record.status !== "pending";
  const shareButton = el(
    "button",
    { type: "button", class: "button", "data-testid": "share", "aria-expanded": state.sharing === record.id },
    t("share"),
  );
  shareButton.addEventListener("click", () => {
    state.sharing = record.id;
    state.created = undefined;
    render();
    document.querySelector<HTMLInputElement>('.share-form input[name="disclose"]')?.focus();
  });
  const created = state.created?.documentId === record.id ? state.created : undefined;
  const copy = el("button", { type: "button", class: "button secondary small" }, t("copy"));
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(created!.url).then(() => (copy.textContent = t("copied")));
  });
  return el(
    "li",
    { class: "card record", "data-testid": "record", "data-record": record.id, "data-status": record.status },
    el(
      "div",
      { class: "record-head" },
      el("h3", {}, transcript ? t("typeTranscript") : t("typeGraduation"), " — ", record.studentName),
      el(
        "span",
        { class: `state-badge status-${record.status}` },
        t(`status_${record.status}` as MessageKey),
      ),
    ),
    record.relation === "child" && el("p", { class: "child-note" }, t("childRecord")),
    el("p", {}, record.schoolName || record.issuerName),
    record.years.length > 0 &&
      el("p", { class: "muted" }, t("years", { years: record.years.map((y) => y.schoolYear).join(", ") })),
    record.graduation &&
      el(
        "p",
        { class: "muted" },
        t("graduation", { year: record.graduation.year, serial: record.graduation.diplomaSerial }),
      ),
    record.supersededBy && el("p", { class: "muted" }, t("supersededBy", { id: record.supersededBy })),
    el(
      "div",
      { class: "record-actions" },
      transcript &&
        anchored &&
        el(
          "a",
          {
            class: "button secondary",
            href: `/api/v1/me/records/${record.id}/credential`,
            download: `${record.id}.hocba.json`,
            "data-testid": "download-credential",
          },
          t("downloadCredential"),
        ),
      transcript &&
        anchored &&
        el(
          "a",
          {
            class: "button secondary",
            href: `/api/v1/me/records/${record.id}/pdf`,
            "data-testid": "download-pdf",
          },
          t("downloadPdf"),
        ),
      !transcript && el("a", { class: "button secondary", href: "/tra-cuu" }, t("lookupGraduation")),
      transcript && record.status === "anchored" && shareButton,
    ),
    state.sharing === record.id && shareForm(record),
    created &&
      el(
        "div",
        { class: "share-created", role: "status" },
        el("p", {}, t("shareCreated")),
        el(
          "p",
          { class: "share-url-line" },
          el("a", { href: created.url, class: "mono share-url", "data-testid": "share-url" }, created.url),
          " ",
          copy,
        ),
      ),
    transcript &&
      el(
        "div",
        { class: "shares" },
        el("h4", {}, t("sharesHeading")),
        shares.length === 0
          ? el("p", { class: "muted" }, t("noShares"))
          : el("ul", { class: "share-list" }, ...shares.map((s) => shareRow(record, s))),
      ),
  );
}

const session = mountSessionCards({
  signInHref: "/cua-toi/dang-nhap",
  details: { label: "citizenIdLabel", valueId: "person-id", more: el("span", { id: "person-children" }) },
  onSignOut: () => void signOut(),
});

function render(): void {
  applyTexts();
  const me = state.me;
  session.render(me, state.error && t(state.error.key, { code: state.error.code }));
  byId("records-section").hidden = !me;
  if (!me) return;
  byId("person-id").textContent = me.citizenId;
  byId("person-children").textContent =
    me.guardianOf.length > 0 ? ` ${t("childrenLabel", { ids: me.guardianOf.join(", ") })}` : "";
  byId("no-records").hidden = me.records.length > 0;
  byId("records").replaceChildren(
    ...me.records.map((r) =>
      recordCard(
        r,
        me.shares.filter((s) => s.documentId === r.id),
      ),
    ),
  );
}

async function load(): Promise<void> {
  const me = await call<Me>("/api/v1/me/records");
  if (me.status === 401) state.me = null;
  else if (me.status === 200) state.me = me.body;
  else state.error = { key: "errorGeneric", code: codeOf(me.body, me.status) };
  render();
}

async function createShare(documentId: string, body: { withhold: string[]; expiresInDays: number }) {
  const res = await call<{ url: string }>("/api/v1/me/shares", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ documentId, ...body }),
  });
  if (res.status !== 201) {
    state.error = { key: "errorShare", code: codeOf(res.body, res.status) };
    render();
    byId("page-error").focus();
    return;
  }
  state.error = undefined;
  state.sharing = undefined;
  state.created = { documentId, url: res.body.url };
  await load();
  document.querySelector<HTMLElement>('[data-testid="share-url"]')?.focus();
}

async function revokeShare(id: string): Promise<void> {
  const res = await call<unknown>(`/api/v1/me/shares/${id}/revoke`, { method: "POST" });
  if (res.status !== 200) state.error = { key: "errorGeneric", code: codeOf(res.body, res.status) };
  await load();
}

async function loadLog(id: string): Promise<void> {
  const res = await call<{ accesses: Access[] }>(`/api/v1/me/shares/${id}/accesses`);
  if (res.status === 200) state.logs.set(id, res.body.accesses);
  else state.error = { key: "errorGeneric", code: codeOf(res.body, res.status) };
  render();
}

async function signOut(): Promise<void> {
  const res = await call<unknown>("/cua-toi/dang-xuat", { method: "POST" });
  if (res.status === 204 || res.status === 401) {
    state.me = null;
    state.error = undefined;
  } else state.error = { key: "errorSignOut", code: codeOf(res.body, res.status) };
  render();
  if (state.me === null) session.focusSignedOut();
}

mountHeader("citizen");
onLanguageChange(render);
render();
void load().catch(() => {
  state.error = { key: "errorGeneric", code: "network" };
  render();
});
