/**
 * The bulk verification page (served at `/xac-minh-hang-loat`), for admissions offices: many
 * credential files, hocba PDFs or one ZIP of them in; a row per file out, with the core's verdict
 * and the student, sortable and filterable; an XLSX or CSV export with the scores of a chosen tổ hợp.
 * Files are checked in a pool of web workers with the verifier page's pipeline and ports (pool.ts,
 * worker.ts), or, with the office's verifier key, by the service's batch route (api.ts).
 *
 * Test hooks: `input[type=file][name=credentials]`, `[data-testid="result"][data-status]` per row
 * (status: valid | invalid | revoked | not-hocba | error), `[data-testid="progress"][data-state]`
 * (idle | working | done), `[data-testid="export-xlsx"]`, `[data-testid="export-csv"]`.
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
import type { ReadProblem } from "./rows";
import {
  duplicateGroups,
  FILTERS,
  matches,
  problemRow,
  resultRow,
  sortRows,
  yearsCovered,
  type Filter,
  type Row,
  type SortKey,
} from "./rows";
import { COMBINATIONS, type Combination } from "./scores";
import { isZip } from "./zip";

// ---- state -------------------------------------------------------------------------------------------

/** A file to check, or a ZIP refused as a whole (one row, with the reason). */
type Source = { name: string; bytes: () => Promise<ArrayBuffer> } | { name: string; problem: ReadProblem };

let rows: Row[] = [];
let total = 0;
let phase: "idle" | "working" | "done" = "idle";
let startedAt = 0;
let elapsed = 0;
let notice: (() => string) | undefined;
let filter: Filter = "all";
let sort: { key: SortKey; descending: boolean } = { key: "index", descending: false };
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
const filters = el("div", { class: "filters", role: "group" });
const tableBody = el("tbody");
const tableHead = el("thead");
const caption = el("caption", { class: "visually-hidden" });
const emptyNote = el("p", { class: "muted", hidden: true });
const results = el(
  "section",
  { class: "card results", hidden: true },
  summary,
  filters,
  el("div", { class: "table-wrap" }, el("table", { class: "bulk-table" }, caption, tableHead, tableBody)),
  emptyNote,
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

/** Each row's element, made once per language (rows do not change once in). */
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
      student ? formatDate(student.dateOfBirth, language()) : "",
    ),
    el("td", { "data-label": t("col_school") }, document?.school.name ?? ""),
    el("td", { class: "nowrap", "data-label": t("col_years") }, yearsCovered(document)),
  );
  rowElements.set(row.index, tr);
  return tr;
}

function counts(duplicates: ReadonlyMap<number, number>): Record<Filter, number> {
  const result = {} as Record<Filter, number>;
  for (const name of FILTERS) result[name] = rows.filter((row) => matches(row, name, duplicates)).length;
  return result;
}

function renderHead(): void {
  tableHead.replaceChildren(
    el(
      "tr",
      {},
      ...COLUMNS.map(({ key, label }) => {
        if (key === "reason") return el("th", { scope: "col" }, t(label));
        const active = sort.key === key;
        const button = el(
          "button",
          { type: "button", class: "sort", "data-sort": key, title: t("sortBy", { column: t(label) }) },
          t(label),
          el("span", { "aria-hidden": "true" }, active ? (sort.descending ? " ▼" : " ▲") : ""),
        );
        button.addEventListener("click", () => {
          sort = { key, descending: active ? !sort.descending : false };
          render();
        });
        return el(
          "th",
          {
            scope: "col",
            "aria-sort": active ? (sort.descending ? "descending" : "ascending") : undefined,
          },
          button,
        );
      }),
    ),
  );
}

function renderFilters(count: Record<Filter, number>): void {
  filters.setAttribute("aria-label", t("filterLabel"));
  filters.replaceChildren(
    el("span", { class: "muted" }, `${t("filterLabel")}:`),
    ...FILTERS.map((name) => {
      const button = el(
        "button",
        {
          type: "button",
          class: "filter",
          "data-filter": name,
          "aria-pressed": String(filter === name),
        },
        t(`filter_${name}`, { count: count[name] }),
      );
      button.addEventListener("click", () => {
        filter = name;
        render();
      });
      return button;
    }),
  );
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
  xlsxButton.disabled = phase !== "done";
  csvButton.disabled = phase !== "done";
}

let renderedLanguage = language();

function render(): void {
  if (renderedLanguage !== language()) {
    rowElements.clear();
    renderedLanguage = language();
  }
  document.title = `${t("pageTitle")} — hocba`;
  byId("footer").textContent = t("footer");
  title.textContent = t("pageTitle");
  intro.textContent = t("intro");
  fileLabel.textContent = t("chooseFiles");
  dropHint.textContent = t("dropHint");
  keyLabel.textContent = t("keyLabel");
  keyHelp.textContent = t("keyHelp");
  mode.textContent = keyInput.value.trim()
    ? t("modeApi")
    : t("modeBrowser", { workers: pool?.size ?? Math.min(8, navigator.hardwareConcurrency || 2) });

  progress.hidden = phase === "idle" && notice === undefined;
  progress.dataset.state = phase;
  progressBar.max = Math.max(1, total);
  progressBar.value = rows.length;
  progressText.textContent = notice
    ? notice()
    : phase === "done"
      ? t("finished", { total, seconds: (elapsed / 1000).toFixed(1) })
      : t("progress", { done: rows.length, total });

  results.hidden = rows.length === 0;
  exportCard.hidden = rows.length === 0;
  renderExport();
  if (rows.length === 0) return;
  const duplicates = duplicateGroups(rows);
  const count = counts(duplicates);
  summary.textContent = t("summary", {
    valid: count.valid,
    notValid: count["not-valid"],
    error: count.error,
    duplicates: count.duplicates,
  });
  renderFilters(count);
  caption.textContent = t("tableCaption");
  renderHead();
  const shown = sortRows(
    rows.filter((row) => matches(row, filter, duplicates)),
    sort.key,
    sort.descending,
  );
  tableBody.replaceChildren(...shown.map((row) => rowElement(row, duplicates.get(row.index))));
  emptyNote.hidden = shown.length > 0;
  emptyNote.textContent = t("noRows");
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

async function expand(files: readonly File[], runId: number): Promise<Source[]> {
  const sources: Source[] = [];
  for (const file of files) {
    const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
    if (!isZip(head)) {
      sources.push({ name: file.webkitRelativePath || file.name, bytes: () => file.arrayBuffer() });
      continue;
    }
    notice = () => t("reading", { name: file.name });
    render();
    const bytes = await file.arrayBuffer();
    const answer = await pool!.run(() =>
      Promise.resolve({ job: { kind: "unzip", name: file.name, bytes }, transfer: [bytes] }),
    );
    if (runId !== run) return [];
    if (answer.kind === "entries")
      for (const entry of answer.entries)
        sources.push({ name: entry.name, bytes: () => Promise.resolve(entry.bytes) });
    else if (answer.kind === "problem") sources.push({ name: file.name, problem: answer.problem });
  }
  notice = undefined;
  return sources;
}

async function start(files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  const runId = ++run;
  pool ??= new WorkerPool();
  rows = [];
  rowElements.clear();
  total = files.length;
  filter = "all";
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
    rows.push(row);
    renderSoon();
  };
  await Promise.all(
    sources.map(async (source, index) => {
      if ("problem" in source) return add(problemRow(index, source.name, "not-hocba", source.problem));
      const answer = await pool!.run(async () => {
        const bytes = await source.bytes();
        const job: Job = batch
          ? { kind: "read", name: source.name, bytes }
          : { kind: "verify", name: source.name, bytes, settings };
        return { job, transfer: [bytes] };
      });
      if (answer.kind === "problem")
        return add(problemRow(index, source.name, answer.status, answer.problem));
      if (answer.kind === "verified")
        return add(resultRow(index, source.name, answer.credential, answer.result));
      if (answer.kind === "read" && batch) {
        // Not awaited here: the last batch goes out only when every file has been read (flush).
        const { credential } = answer;
        answered.push(
          batch.verify(credential).then((outcome) => {
            if ("result" in outcome) add(resultRow(index, source.name, credential, outcome.result));
            else add(problemRow(index, source.name, "error", outcome.problem));
          }),
        );
      }
    }),
  );
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
    new Blob([toCsv(exportSheet(rows, chosen))], { type: "text/csv;charset=utf-8" }),
    exportFileName(chosen, "csv"),
  );
});

xlsxButton.addEventListener("click", () => {
  const chosen = combination();
  const sheet = exportSheet(rows, chosen);
  // The XLSX writer is loaded only when asked for.
  void import("./xlsx").then(async ({ toXlsx }) =>
    download(await toXlsx(sheet), exportFileName(chosen, "xlsx")),
  );
});

combinationSelect.addEventListener("change", () => {
  combinationCode = combinationSelect.value;
  render();
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
onLanguageChange(() => render());
document.documentElement.lang = language();
render();
