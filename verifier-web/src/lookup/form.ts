/**
 * The lookup form's behaviour: the two search tabs (WAI-ARIA tabs, arrow keys), the date-of-birth
 * field (ngày/tháng/năm typed as text whatever the browser's language — no locale date picker,
 * whose order follows the browser, not the reader), and field errors shown next to each field and
 * in a summary that links to them.
 */
import { byId, el, formatDate } from "../common/dom";
import { language } from "../common/i18n";
import { t, type MessageKey } from "./messages";
import { parseDateInput, type FieldError, type SearchMode } from "./query";

const TABS: Record<SearchMode, { tab: string; form: string }> = {
  name: { tab: "tab-name", form: "form-name" },
  serial: { tab: "tab-serial", form: "form-serial" },
};
const MODES: readonly SearchMode[] = ["name", "serial"];

/** Shows the form of `mode`; `focus` moves keyboard focus to its tab (arrow-key navigation). */
export function selectTab(mode: SearchMode, focus = false): void {
  for (const other of MODES) {
    const tab = byId(TABS[other].tab);
    const selected = other === mode;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    byId(TABS[other].form).hidden = !selected;
    if (selected && focus) tab.focus();
  }
}

/** Wires the tabs: click, ←/→, Home/End (automatic activation). */
export function mountTabs(onChange: (mode: SearchMode) => void): void {
  MODES.forEach((mode, index) => {
    const tab = byId(TABS[mode].tab);
    tab.addEventListener("click", () => {
      selectTab(mode);
      onChange(mode);
    });
    tab.addEventListener("keydown", (event) => {
      const moves: Record<string, number> = {
        ArrowRight: index + 1,
        ArrowLeft: index - 1,
        Home: 0,
        End: MODES.length - 1,
      };
      const target = moves[event.key];
      if (target === undefined) return;
      event.preventDefault();
      const next = MODES[(target + MODES.length) % MODES.length]!;
      selectTab(next, true);
      onChange(next);
    });
  });
}

/** The hint under the date field: day/month/year, with an example. */
export function dateHint(): string {
  return t("dateOfBirthHint");
}

/** The date the field holds, in words ("Thứ Hai, 17 tháng 5, 2009"), or "" when none is complete. */
export function dateEcho(): string {
  const iso = parseDateInput(byId<HTMLInputElement>("dateOfBirth").value);
  if (iso === undefined) return "";
  const words = new Intl.DateTimeFormat(language() === "vi" ? "vi-VN" : "en-GB", {
    dateStyle: "full",
    timeZone: "UTC",
  }).format(new Date(`${iso}T00:00:00Z`));
  return t("dateOfBirthEcho", { date: words });
}

/**
 * "17052009" (eight digits typed without separators) as "17/05/2009"; any other text as it is.
 * @example withSlashes("1752009") // "1752009" (ambiguous: left for the reader to fix)
 */
function withSlashes(text: string): string {
  const digits = /^(\d{2})(\d{2})(\d{4})$/.exec(text.trim());
  return digits ? `${digits[1]}/${digits[2]}/${digits[3]}` : text;
}

/**
 * The date-of-birth field: a text field taking ngày/tháng/năm (17/05/2009, 17-5-2009, 17.05.2009
 * or 17052009), the same in every browser language. On leaving the field a readable date is
 * written back as dd/mm/yyyy; the echo below says the date in words as it is typed.
 */
export function mountDateField(): void {
  const input = byId<HTMLInputElement>("dateOfBirth");
  const echo = () => (byId("dateOfBirth-echo").textContent = dateEcho());
  input.addEventListener("input", () => {
    const slashed = withSlashes(input.value);
    if (slashed !== input.value) input.value = slashed;
    echo();
  });
  input.addEventListener("change", () => {
    const iso = parseDateInput(input.value);
    if (iso !== undefined) input.value = formatDate(iso, "vi");
    echo();
  });
}

/** Shows `errors` on the form `formId`, or clears them; focuses the summary when there are some. */
export function showFieldErrors(formId: string, errors: readonly FieldError[], focus: boolean): void {
  const form = byId<HTMLFormElement>(formId);
  for (const field of form.querySelectorAll<HTMLElement>(".field[data-field]")) {
    const name = field.dataset.field!;
    const error = errors.find((e) => e.field === name);
    const input = byId<HTMLInputElement>(name);
    const text = byId(`${name}-error`);
    input.toggleAttribute("aria-invalid", error !== undefined);
    field.classList.toggle("has-error", error !== undefined);
    text.hidden = error === undefined;
    text.textContent = error ? problemText(error) : "";
  }
  const summary = byId(`${formId}-errors`);
  summary.hidden = errors.length === 0;
  if (errors.length === 0) {
    summary.replaceChildren();
    return;
  }
  summary.replaceChildren(
    el("p", { class: "error-summary-title" }, t("errorSummary")),
    el(
      "ul",
      {},
      ...errors.map((error) => {
        const link = el("a", { href: `#${error.field}` }, problemText(error));
        link.addEventListener("click", (event) => {
          event.preventDefault();
          byId(error.field).focus();
        });
        return el("li", {}, link);
      }),
    ),
  );
  if (focus) byId(errors[0]!.field).focus();
}

function problemText(error: FieldError): string {
  return t(`problem.${error.field}.${error.problem}` as MessageKey);
}
