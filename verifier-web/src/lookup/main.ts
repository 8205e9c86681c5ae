/**
 * Entry point of /tra-cuu, the public THCS graduation lookup (README, THCS graduation lookup): checks the
 * form, calls the search API, shows the records with their on-chain proof, prints a confirmation.
 * The page keeps one small state and re-renders its text from it on a language switch, so typed
 * input, results and open proofs survive the switch.
 */
import "../common/base.css";
import "./lookup.css";
import { byId } from "../common/dom";
import { mountHeader } from "../common/header";
import { onLanguageChange } from "../common/i18n";
import { graduationYears, searchGraduates, type GraduateRecord, type SearchOutcome } from "./api";
import { dateEcho, dateHint, mountDateField, mountTabs, selectTab, showFieldErrors } from "./form";
import { t, type MessageKey } from "./messages";
import { printRecord } from "./print";
import {
  checkNameSearch,
  checkSerialSearch,
  serialFromFragment,
  type FieldError,
  type QueryCheck,
  type SearchMode,
} from "./query";
import { renderOutcome, type CardHandlers } from "./render";

interface PageState {
  mode: SearchMode;
  errors: Record<SearchMode, FieldError[]>;
  shown: { outcome: SearchOutcome; lookedUpAt: Date } | undefined;
  openProofs: Set<string>;
  busy: boolean;
  /** The graduation years the lookup holds, once the service said (GET /graduates/years). */
  years?: number[] | undefined;
}

const state: PageState = {
  mode: "name",
  errors: { name: [], serial: [] },
  shown: undefined,
  openProofs: new Set(),
  busy: false,
};

const FORM_ID: Record<SearchMode, string> = { name: "form-name", serial: "form-serial" };

function value(name: string): string {
  return byId<HTMLInputElement>(name).value;
}

function checkForm(mode: SearchMode): QueryCheck {
  return mode === "name"
    ? checkNameSearch({
        fullName: value("fullName"),
        dateOfBirth: value("dateOfBirth"),
        year: value("year"),
        schoolCode: value("schoolCode"),
      })
    : checkSerialSearch({ diplomaSerial: value("diplomaSerial") });
}

/** Puts every `data-i18n` text (and `data-i18n-label` aria-label) in the current language. */
function applyTexts(): void {
  document.title = t("documentTitle");
  for (const node of document.querySelectorAll<HTMLElement>("[data-i18n]"))
    node.textContent = t(node.dataset.i18n as MessageKey);
  for (const node of document.querySelectorAll<HTMLElement>("[data-i18n-label]"))
    node.setAttribute("aria-label", t(node.dataset.i18nLabel as MessageKey));
  byId("dateOfBirth-hint").textContent = dateHint();
  byId("dateOfBirth-echo").textContent = dateEcho();
  byId("coverage-years").textContent =
    state.years === undefined
      ? ""
      : state.years.length === 0
        ? t("coverageNone")
        : state.years.length === 1
          ? t("coverageYear", { year: String(state.years[0]) })
          : t("coverageYears", {
              from: String(state.years[0]),
              to: String(state.years.at(-1)),
            });
  for (const button of document.querySelectorAll<HTMLButtonElement>("button.submit"))
    button.textContent = t(state.busy ? "searching" : "submit");
}

const handlers: CardHandlers = {
  onPrint: (record: GraduateRecord) => void printRecord(record, state.shown?.lookedUpAt ?? new Date()),
  onToggleProof: (record: GraduateRecord, open: boolean) => {
    if (open) state.openProofs.add(record.id);
    else state.openProofs.delete(record.id);
  },
};

function renderResults(focus: boolean): void {
  const section = byId("results");
  if (!state.shown) {
    section.hidden = true;
    return;
  }
  section.replaceChildren(...renderOutcome({ ...state.shown, openProofs: state.openProofs }, handlers));
  section.hidden = false;
  if (focus) byId("results-heading").focus();
}

function setBusy(busy: boolean): void {
  state.busy = busy;
  byId("results").setAttribute("aria-busy", String(busy));
  for (const button of document.querySelectorAll<HTMLButtonElement>("button.submit")) {
    button.disabled = busy;
    button.textContent = t(busy ? "searching" : "submit");
  }
}

async function submit(mode: SearchMode): Promise<void> {
  if (state.busy) return;
  const check = checkForm(mode);
  state.errors[mode] = check.ok ? [] : check.errors;
  showFieldErrors(FORM_ID[mode], state.errors[mode], !check.ok);
  if (!check.ok) return;
  setBusy(true);
  try {
    const outcome = await searchGraduates(check.params);
    state.shown = { outcome, lookedUpAt: new Date() };
    state.openProofs.clear();
  } finally {
    setBusy(false);
  }
  renderResults(true);
}

function main(): void {
  mountHeader("lookup");
  mountDateField();
  mountTabs((mode) => {
    state.mode = mode;
  });
  for (const mode of ["name", "serial"] as const) {
    byId<HTMLFormElement>(FORM_ID[mode]).addEventListener("submit", (event) => {
      event.preventDefault();
      void submit(mode);
    });
  }
  selectTab(state.mode);
  applyTexts();
  void graduationYears().then((years) => {
    state.years = years;
    applyTexts();
  });
  onLanguageChange(() => {
    applyTexts();
    for (const mode of ["name", "serial"] as const) showFieldErrors(FORM_ID[mode], state.errors[mode], false);
    renderResults(false);
  });
  // A printed confirmation links back here with #so-hieu=<serial>: look it up at once.
  const serial = serialFromFragment(window.location.hash);
  if (serial !== undefined) {
    state.mode = "serial";
    selectTab("serial");
    byId<HTMLInputElement>("diplomaSerial").value = serial;
    void submit("serial");
  }
}

main();
