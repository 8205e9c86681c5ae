/**
 * The bulk verification page (served at `/xac-minh-hang-loat`), for admissions offices: many
 * credential files, hocba PDFs or one ZIP of them in; a row per file out, with the core's verdict
 * and the student, sortable and filterable; an XLSX or CSV export with the scores of a chosen tổ hợp.
 * Files are checked in a pool of web workers with the verifier page's pipeline and ports (pool.ts,
 * worker.ts), or, with the office's verifier key, by the service's batch route (api.ts).
 *
 * The table shows PAGE_SIZE rows at a time (page controls above and below it), and its counts,
 * duplicates and order are kept up to date as rows come in (rows.ts RowTable): a redraw, every
 * 300 ms while files are checked, costs the rows of one page, not all of them.
 *
 * Test hooks: `input[type=file][name=credentials]`, `[data-testid="result"][data-status]` per row
 * of the page shown (status: valid | invalid | revoked | not-hocba | error),
 * `[data-testid="progress"][data-state]` (idle | working | done), `[data-testid="export-xlsx"]`,
 * `[data-testid="export-csv"]`, and the page controls `nav.pager button[data-page]`
 * (first | previous | next | last).
 */
import "../common/base.css";
import "../common/intake.css";
import "./bulk.css";
import { byId, el, formatDate } from "../common/dom";
import { mountHeader } from "../common/header";
import { language, onLanguageChange } from "../common/i18n";
import { BatchVerifier } from "./api";
import { exportFileName, exportSheet, reasonText, subjectText, toCsv } from "./export";
import { t, type MessageKey } from "./messages";
import { WorkerPool } from "./pool";
import type { Job } from "./protocol";
import {
  FILTERS,
  problemRow,
  resultRow,
  RowTable,
  yearsCovered,
  type Filter,
  type ReadProblem,
  type Row,
  type SortKey,
  type View,
} from "./rows";
import { COMBINATIONS, type Combination } from "./scores";
import { isZip } from "./zip";

// ---- state -------------------------------------------------------------------------------------------

/** A file to check, or a ZIP refused as a whole (one row, with the reason). */
type Source = { name: string; bytes: () => Blob | ArrayBuffer } | { name: string; problem: ReadProblem };

/** Files handed to the pool in one go; the page draws and answers between two slices. */
const SLICE = 250;

/** Rows shown per page of the table: a redraw builds at most these, whatever the number of files. */
const PAGE_SIZE = 100;

let table = new RowTable();
let total = 0;
let phase: "idle" | "working" | "done" = "idle";
let startedAt = 0;
let elapsed = 0;
let notice: (() => string) | undefined;
let view: View = { filter: "all", key: "index", descending: false };
/** The table's page shown, from 0. */
let page = 0;
let combinationCode = "D01";
const custom = { subjects: new Set(["TOAN", "VL", "HH"]), grades: new Set([10, 11, 12]) };
let pool: WorkerPool | undefined;
let run = 0;

const api = location.origin;

// ---- static parts of the page ------------------------------------------------------------------------

const main = byId("main");
const fileInput = el("input", {
  type: "file",
  id: "credential-files",
  name: "credentials",
  class: "file-input",
  multiple: true,
  accept: ".json,.hocba.json,application/json,.pdf,application/pdf,.zip,application/zip",
});
const fileLabel = el("label", { for: "credential-files", class: "button file-label" });
const dropHint = el("span", { class: "muted" });
const dropzone = el("div", { class: "dropzone" }, fileInput, fileLabel, dropHint);
const keyInput = el("input", {
  type: "password",
  id: "verifier-key",
  name: "verifierKey",
  class: "text-input",
  autocomplete: "off",
  spellcheck: "false",
});
const keyLabel = el("label", { for: "verifier-key" });
const keyHelp = el("p", { class: "muted help", id: "verifier-key-help" });
keyInput.setAttribute("aria-describedby", "verifier-key-help");
const title = el("h1", { class: "page-title" });
const intro = el("p", { class: "intro" });
const mode = el("p", { class: "mode muted" });
const progressBar = el("progress", { class: "progress-bar", max: 1, value: 0 });
const progressText = el("p", { class: "progress-text", role: "status", "aria-live": "polite" });
const progress = el(
  "section",
  { class: "card progress-card", "data-testid": "progress", "data-state": "idle", hidden: true },
  progressText,
  progressBar,
);
const summary = el("p", { class: "summary" });
const filterLabel = el("span", { class: "muted" });
const filterButtons = new Map<Filter, HTMLButtonElement>(
  FILTERS.map((name): [Filter, HTMLButtonElement] => {
    const button = el("button", { type: "button", class: "filter", "data-filter": name });
    button.addEventListener("click", () => {
      view = { ...view, filter: name };
      page = 0;
      render();
    });
    return [name, button];
  }),
);
const filters = el("div", { class: "filters", role: "group" }, filterLabel, ...filterButtons.values());
const tableBody = el("tbody");
const tableHead = el("thead");
const caption = el("caption", { class: "visually-hidden" });
const emptyNote = el("p", { class: "muted", hidden: true });
const tableWrap = el(
  "div",
  { class: "table-wrap" },
  el("table", { class: "bulk-table" }, caption, tableHead, tableBody),
);

type PageMove = "first" | "previous" | "next" | "last";
const PAGE_MOVES: readonly PageMove[] = ["first", "previous", "next", "last"];

/** Page controls: four buttons and where the page is; the bottom ones bring the results' top into view. */
function pager(position: "top" | "bottom") {
  const status = el("span", { class: "pager-status" });
  const buttons = new Map<PageMove, HTMLButtonElement>(
    PAGE_MOVES.map((move): [PageMove, HTMLButtonElement] => {
      const button = el("button", {
        type: "button",
        class: "button secondary pager-button",
        "data-page": move,
      });
      button.addEventListener("click", () => {
        const pages = pageCount();
        page = { first: 0, previous: page - 1, next: page + 1, last: pages - 1 }[move];
        page = Math.max(0, Math.min(pages - 1, page));
        render();
        // A button that can no longer be used hands the focus to its opposite.
        if (button.disabled) {
          const opposite = { first: "last", previous: "next", next: "previous", last: "first" } as const;
          buttons.get(opposite[move])!.focus();
        }
        if (position === "bottom") results.scrollIntoView({ block: "start" });
      });
      return [move, button];
    }),
  );
  const nav = el(
    "nav",
    { class: `pager pager-${position}`, hidden: true },
    buttons.get("first"),
    buttons.get("previous"),
    status,
    buttons.get("next"),
    buttons.get("last"),
  );
  return { nav, status, buttons };
}
const pagers = [pager("top"), pager("bottom")];

const results = el(
  "section",
  { class: "card results", hidden: true },
  summary,
  filters,
  pagers[0]!.nav,
  tableWrap,
  emptyNote,
  pagers[1]!.nav,
);
const exportHeading = el("h2", { id: "export-heading" });
const exportIntro = el("p", { class: "muted" });
const combinationSelect = el("select", { id: "combination", name: "combination" });
const combinationLabel = el("label", { for: "combination" });
const customBox = el("fieldset", { class: "custom" });
const xlsxButton = el("button", { type: "button", class: "button", "data-testid": "export-xlsx" });
const csvButton = el("button", { type: "button", class: "button secondary", "data-testid": "export-csv" });
const exportCard = el(
  "section",
  { class: "card export", "aria-labelledby": "export-heading", hidden: true },
  exportHeading,
  exportIntro,
  el("p", { class: "combination-row" }, combinationLabel, " ", combinationSelect),
  customBox,
  el("p", { class: "export-buttons" }, xlsxButton, " ", csvButton),
);

main.append(
  el(
    "section",
    { class: "card intake" },
    title,
    intro,
    dropzone,
    el("div", { class: "key-row" }, keyLabel, keyInput, keyHelp),
    mode,
  ),
  progress,
  results,
  exportCard,
);

// ---- rendering -----------------------------------------------------------------------------------------

const COLUMNS: { key: SortKey | "reason"; label: MessageKey }[] = [
  { key: "index", label: "col_index" },
  { key: "file", label: "col_file" },
  { key: "status", label: "col_status" },
  { key: "reason", label: "col_reason" },
  { key: "name", label: "col_name" },
  { key: "dateOfBirth", label: "col_dateOfBirth" },
  { key: "school", label: "col_school" },
  { key: "years", label: "col_years" },
];

const ICONS: Record<Row["status"], string> = {
  valid: "✓",
  invalid: "✗",
  revoked: "✗",
  "not-hocba": "✗",
  error: "!",
};

/** A number as the page's language writes it (10.000 / 10,000). */
const count = (value: number) => value.toLocaleString(language() === "vi" ? "vi-VN" : "en-US");

/** Each row's element, made when first shown, once per language (rows do not change once in). */
const rowElements = new Map<number, HTMLTableRowElement>();

function rowElement(row: Row, duplicate: number | undefined): HTMLTableRowElement {
  const cached = rowElements.get(row.index);
  if (cached && cached.dataset.duplicate === String(duplicate ?? "")) return cached;
  const document = row.document;
  const student = document?.student;
  const tr = el(
    "tr",
    {
      "data-testid": "result",
      "data-status": row.status,
      "data-file": row.file,
      "data-duplicate": duplicate ?? "",
      class: `row-${row.status}`,
    },
    el("td", { class: "num" }, String(row.index + 1)),
    el("td", { class: "file" }, row.file),
    el(
      "td",
      { class: "status", "data-label": t("col_status") },
      el(
        "span",
        { class: `badge status-${row.status}` },
        el("span", { "aria-hidden": "true" }, ICONS[row.status]),
        " ",
        t(`status_${row.status}`),
      ),
      duplicate === undefined
        ? null
        : el("span", { class: "badge duplicate" }, t("duplicateOf", { group: duplicate })),
    ),
    el("td", { class: "reason", "data-label": t("col_reason") }, reasonText(row)),
    el("td", { "data-label": t("col_name") }, student?.fullName ?? ""),
    el(
      "td",
      { class: "nowrap", "data-label": t("col_dateOfBirth") },
      student?.dateOfBirth ? formatDate(student.dateOfBirth, language()) : "",
    ),
    el("td", { "data-label": t("col_school") }, document?.school.name ?? ""),
    el("td", { class: "nowrap", "data-label": t("col_years") }, yearsCovered(document)),
  );
  rowElements.set(row.index, tr);
  return tr;
}

/** The column titles, sort buttons made once (a click keeps the focus on its button). */
const sortButtons = new Map<SortKey, { button: HTMLButtonElement; text: Text; arrow: HTMLSpanElement }>();
const headCells = COLUMNS.map(({ key }) => {
  if (key === "reason") return el("th", { scope: "col" });
  const text = document.createTextNode("");
  const arrow = el("span", { "aria-hidden": "true" });
  const button = el("button", { type: "button", class: "sort", "data-sort": key }, text, arrow);
  button.addEventListener("click", () => {
    view = { ...view, key, descending: view.key === key ? !view.descending : false };
    page = 0;
    render();
  });
  sortButtons.set(key, { button, text, arrow });
  return el("th", { scope: "col" }, button);
});
tableHead.append(el("tr", {}, ...headCells));

function renderHead(): void {
  COLUMNS.forEach(({ key, label }, at) => {
    const cell = headCells[at]!;
    const sort = key === "reason" ? undefined : sortButtons.get(key);
    if (!sort) {
      cell.textContent = t(label);
      return;
    }
    const active = view.key === key;
    sort.text.textContent = t(label);
    sort.button.title = t("sortBy", { column: t(label) });
    sort.arrow.textContent = active ? (view.descending ? " ▼" : " ▲") : "";
    if (active) cell.setAttribute("aria-sort", view.descending ? "descending" : "ascending");
    else cell.removeAttribute("aria-sort");
  });
}

function renderFilters(counts: Readonly<Record<Filter, number>>): void {
  filters.setAttribute("aria-label", t("filterLabel"));
  filterLabel.textContent = `${t("filterLabel")}:`;
  for (const [name, button] of filterButtons) {
    button.setAttribute("aria-pressed", String(view.filter === name));
    button.textContent = t(`filter_${name}`, { count: count(counts[name]) });
  }
}

function pageCount(): number {
  return Math.max(1, Math.ceil(table.shown(view).length / PAGE_SIZE));
}

/** The rows of the page shown, and the page controls. */
function renderTable(): void {
  const shown = table.shown(view);
  const pages = pageCount();
  page = Math.min(page, pages - 1);
  const from = page * PAGE_SIZE;
  const groups = table.duplicateGroups();
  const elements = shown.slice(from, from + PAGE_SIZE).map((row) => rowElement(row, groups.get(row.index)));
  const children = tableBody.children;
  if (elements.length !== children.length || elements.some((element, at) => children[at] !== element))
    tableBody.replaceChildren(...elements);
  emptyNote.hidden = shown.length > 0;
  emptyNote.textContent = t("noRows");
  for (const { nav, status, buttons } of pagers) {
    nav.hidden = pages === 1;
    nav.setAttribute("aria-label", t("pagerLabel"));
    status.textContent = t("pageStatus", {
      page: count(page + 1),
      pages: count(pages),
      from: count(from + 1),
      to: count(from + elements.length),
      total: count(shown.length),
    });
    for (const [move, button] of buttons) {
      button.replaceChildren(...pageButtonContent(move));
      button.disabled = move === "first" || move === "previous" ? page === 0 : page === pages - 1;
    }
  }
}

function pageButtonContent(move: PageMove): (string | HTMLElement)[] {
  const text = t(`page_${move}`);
  const arrow = el(
    "span",
    { "aria-hidden": "true" },
    { first: "«", previous: "‹", next: "›", last: "»" }[move],
  );
  return move === "first" || move === "previous" ? [arrow, " ", text] : [text, " ", arrow];
}

function combination(): Combination {
  if (combinationCode === "custom")
    return {
      code: "custom",
      subjects: [...custom.subjects],
      grades: [...custom.grades].sort((a, b) => a - b),
    };
  return COMBINATIONS.find((entry) => entry.code === combinationCode)!;
}

const CUSTOM_SUBJECTS = ["TOAN", "NVAN", "NN1", "VL", "HH", "SH", "LS", "DL", "GDKTPL", "TIN", "CN"];
const CUSTOM_GRADES = [6, 7, 8, 9, 10, 11, 12];

function checkbox(
  name: string,
  value: string,
  checked: boolean,
  label: string,
  change: (on: boolean) => void,
) {
  const input = el("input", { type: "checkbox", name, value, checked });
  input.addEventListener("change", () => change(input.checked));
  return el("label", { class: "check-option" }, input, " ", label);
}

/** The export card's words and choices: made again only when the language or the choice changes. */
function renderExport(): void {
  exportHeading.textContent = t("exportHeading");
  exportIntro.textContent = t("exportIntro");
  combinationLabel.textContent = `${t("combination")}:`;
  combinationSelect.replaceChildren(
    ...COMBINATIONS.map((entry) =>
      el(
        "option",
        { value: entry.code, selected: entry.code === combinationCode },
        `${entry.code} — ${entry.subjects.map(subjectText).join(", ")}`,
      ),
    ),
    el("option", { value: "custom", selected: combinationCode === "custom" }, t("custom")),
  );
  customBox.hidden = combinationCode !== "custom";
  customBox.replaceChildren(
    el("legend", {}, t("custom")),
    el(
      "div",
      { class: "options" },
      el("span", { class: "muted" }, `${t("subjects")}:`),
      ...CUSTOM_SUBJECTS.map((code) =>
        checkbox("subject", code, custom.subjects.has(code), subjectText(code), (on) => {
          if (on) custom.subjects.add(code);
          else custom.subjects.delete(code);
        }),
      ),
    ),
    el(
      "div",
      { class: "options" },
      el("span", { class: "muted" }, `${t("grades")}:`),
      ...CUSTOM_GRADES.map((grade) =>
        checkbox("grade", String(grade), custom.grades.has(grade), String(grade), (on) => {
          if (on) custom.grades.add(grade);
          else custom.grades.delete(grade);
        }),
      ),
    ),
  );
  xlsxButton.textContent = t("exportXlsx");
  csvButton.textContent = t("exportCsv");
}

/** The page's fixed words, in the language chosen (again on a change of language). */
function renderWords(): void {
  rowElements.clear();
  document.title = `${t("pageTitle")} — hocba`;
  byId("footer").textContent = t("footer");
  title.textContent = t("pageTitle");
  intro.textContent = t("intro");
  fileLabel.textContent = t("chooseFiles");
  dropHint.textContent = t("dropHint");
  keyLabel.textContent = t("keyLabel");
  keyHelp.textContent = t("keyHelp");
  caption.textContent = t("tableCaption");
  renderExport();
}

/** What changes while files are checked: mode, progress, counts, the page of rows. */
function render(): void {
  mode.textContent = keyInput.value.trim()
    ? t("modeApi")
    : t("modeBrowser", { workers: pool?.size ?? Math.min(8, navigator.hardwareConcurrency || 2) });

  progress.hidden = phase === "idle" && notice === undefined;
  progress.dataset.state = phase;
  progressBar.max = Math.max(1, total);
  progressBar.value = table.size;
  progressText.textContent = notice
    ? notice()
    : phase === "done"
      ? t("finished", { total: count(total), seconds: (elapsed / 1000).toFixed(1) })
      : t("progress", { done: count(table.size), total: count(total) });

  results.hidden = table.size === 0;
  exportCard.hidden = table.size === 0;
  xlsxButton.disabled = phase !== "done";
  csvButton.disabled = phase !== "done";
  if (table.size === 0) return;
  const counts = table.counts();
  summary.textContent = t("summary", {
    valid: count(counts.valid),
    notValid: count(counts["not-valid"]),
    error: count(counts.error),
    duplicates: count(counts.duplicates),
  });
  renderFilters(counts);
  renderHead();
  renderTable();
}

/** While files are checked, the page is redrawn at most every 300 ms (it stays responsive). */
let scheduled: ReturnType<typeof setTimeout> | undefined;
function renderSoon(): void {
  scheduled ??= setTimeout(() => {
    scheduled = undefined;
    render();
  }, 300);
}

// ---- verification --------------------------------------------------------------------------------------

/**
 * The files to check: each chosen file, or a ZIP's files. A `.json` or `.pdf` file is handed to a
 * worker as it is (as a handle: the worker reads it); any other is a ZIP archive if its first bytes
 * say so. The page does not touch the files' bytes: even reading four bytes of a chosen file asks
 * the browser for its size and date there and then, a millisecond or more each.
 */
async function expand(files: readonly File[], runId: number): Promise<Source[]> {
  const sources: Source[] = [];
  for (const file of files) {
    if (/\.(json|pdf)$/i.test(file.name) || !isZip(new Uint8Array(await file.slice(0, 4).arrayBuffer()))) {
      sources.push({ name: file.webkitRelativePath || file.name, bytes: () => file });
      continue;
    }
    notice = () => t("reading", { name: file.name });
    render();
    const answer = await pool!.run(() =>
      Promise.resolve({ job: { kind: "unzip", name: file.name, bytes: file }, transfer: [] }),
    );
    if (runId !== run) return [];
    if (answer.kind === "entries") {
      const { chunks } = answer;
      for (const entry of answer.entries)
        sources.push({
          name: entry.name,
          // A copy of the file's span, made when a worker is free for it, and handed over.
          bytes: () => chunks[entry.chunk]!.slice(entry.start, entry.end),
        });
    } else if (answer.kind === "problem") sources.push({ name: file.name, problem: answer.problem });
  }
  notice = undefined;
  return sources;
}

async function start(files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  const runId = ++run;
  pool ??= new WorkerPool();
  table = new RowTable();
  rowElements.clear();
  total = files.length;
  view = { ...view, filter: "all" };
  page = 0;
  phase = "working";
  startedAt = performance.now();
  render();
  const sources = await expand(files, runId);
  if (runId !== run) return;
  total = sources.length;
  const key = keyInput.value.trim();
  const batch = key ? new BatchVerifier(api, key) : undefined;
  const settings = { api };
  const answered: Promise<void>[] = [];
  const add = (row: Row) => {
    if (runId !== run) return;
    table.add(row);
    renderSoon();
  };
  const check = async (source: Source, index: number): Promise<void> => {
    if ("problem" in source) return add(problemRow(index, source.name, "not-hocba", source.problem));
    const answer = await pool!.run(() => {
      const bytes = source.bytes();
      const job: Job = batch
        ? { kind: "read", name: source.name, bytes }
        : { kind: "verify", name: source.name, bytes, settings };
      return Promise.resolve({ job, transfer: bytes instanceof ArrayBuffer ? [bytes] : [] });
    });
    if (answer.kind === "problem") return add(problemRow(index, source.name, answer.status, answer.problem));
    if (answer.kind === "verified") return add(resultRow(index, source.name, answer.document, answer.result));
    if (answer.kind === "read" && batch) {
      // Not awaited here: the last batch goes out only when every file has been read (flush).
      const { document } = answer;
      answered.push(
        batch.verify(answer.json).then((outcome) => {
          if ("result" in outcome) add(resultRow(index, source.name, document, outcome.result));
          else add(problemRow(index, source.name, "error", outcome.problem));
        }),
      );
    }
  };
  const checked: Promise<void>[] = [];
  for (let at = 0; at < sources.length; at += SLICE) {
    sources.slice(at, at + SLICE).forEach((source, offset) => checked.push(check(source, at + offset)));
    // Ten thousand files are not queued in one task: the page draws and answers in between.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (runId !== run) return;
  }
  await Promise.all(checked);
  await batch?.flush();
  await Promise.all(answered);
  if (runId !== run) return;
  phase = "done";
  elapsed = performance.now() - startedAt;
  clearTimeout(scheduled);
  scheduled = undefined;
  render();
}

// ---- export --------------------------------------------------------------------------------------------

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

csvButton.addEventListener("click", () => {
  const chosen = combination();
  download(
    new Blob([toCsv(exportSheet(table.rows, chosen, table.duplicateGroups()))], {
      type: "text/csv;charset=utf-8",
    }),
    exportFileName(chosen, "csv"),
  );
});

xlsxButton.addEventListener("click", () => {
  const chosen = combination();
  const sheet = exportSheet(table.rows, chosen, table.duplicateGroups());
  // The XLSX writer is loaded only when asked for.
  void import("./xlsx").then(async ({ toXlsx }) =>
    download(await toXlsx(sheet), exportFileName(chosen, "xlsx")),
  );
});

combinationSelect.addEventListener("change", () => {
  combinationCode = combinationSelect.value;
  renderExport();
});

// ---- input ---------------------------------------------------------------------------------------------

fileInput.addEventListener("change", () => {
  const files = [...(fileInput.files ?? [])];
  fileInput.value = "";
  void start(files);
});
keyInput.addEventListener("input", () => render());

/** The files of a dropped folder, walked (webkitGetAsEntry), or the dropped files themselves. */
async function droppedFiles(transfer: DataTransfer): Promise<File[]> {
  const entries = [...transfer.items]
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => !!entry);
  if (entries.length === 0) return [...transfer.files];
  const files: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      files.push(
        await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)),
      );
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
        reader.readEntries(resolve, reject),
      );
      if (batch.length === 0) break;
      for (const child of batch) await walk(child);
    }
  };
  for (const entry of entries) await walk(entry);
  return files;
}

dropzone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropzone.classList.add("dragging");
});
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("dragging"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("dragging");
  if (event.dataTransfer) void droppedFiles(event.dataTransfer).then((files) => start(files));
});

// ---- start ---------------------------------------------------------------------------------------------

mountHeader("bulk");
onLanguageChange(() => {
  renderWords();
  render();
});
document.documentElement.lang = language();
renderWords();
render();
