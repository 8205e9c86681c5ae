/**
 * The language switch shared by the public pages: Vietnamese first, English on request, the
 * choice remembered in localStorage. A page keeps its own dictionaries (one object per language
 * with the same keys) and asks `t(key)`; the switch re-renders through `onLanguageChange`.
 */

export type Language = "vi" | "en";

export const LANGUAGES: readonly Language[] = ["vi", "en"];

const STORAGE_KEY = "hocba.lang";

type Listener = (language: Language) => void;
const listeners: Listener[] = [];
let current: Language = readStoredLanguage();

function readStoredLanguage(): Language {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    return stored === "en" ? "en" : "vi";
  } catch {
    // Storage may be disabled (private mode, file://): Vietnamese is the default.
    return "vi";
  }
}

/** The page's language now. */
export function language(): Language {
  return current;
}

/** Switches the language, remembers it and tells every listener. */
export function setLanguage(next: Language): void {
  current = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered; the switch still applies to this visit.
  }
  document.documentElement.lang = next;
  for (const listener of listeners) listener(next);
}

/** Calls `listener` on every language change (not immediately). */
export function onLanguageChange(listener: Listener): void {
  listeners.push(listener);
}

/**
 * A translator over per-language dictionaries with the same keys.
 * @example
 * const t = translator({ vi: { title: "Xác minh" }, en: { title: "Verify" } });
 * t("title");
 */
export function translator<K extends string>(
  dictionaries: Record<Language, Record<K, string>>,
): (key: K, values?: Record<string, string | number>) => string {
  return (key, values) => {
    let text = dictionaries[current][key];
    for (const [name, value] of Object.entries(values ?? {}))
      text = text.replaceAll(`{${name}}`, String(value));
    return text;
  };
}

/**
 * Renders the "Tiếng Việt | English" switch into `container` (two buttons with aria-pressed).
 */
export function mountLanguageSwitch(container: HTMLElement): void {
  const labels: Record<Language, string> = { vi: "Tiếng Việt", en: "English" };
  container.replaceChildren();
  container.setAttribute("role", "group");
  container.setAttribute("aria-label", "Ngôn ngữ / Language");
  for (const code of LANGUAGES) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "lang-button";
    button.lang = code;
    button.dataset.lang = code;
    button.textContent = labels[code];
    button.setAttribute("aria-pressed", String(code === current));
    button.addEventListener("click", () => setLanguage(code));
    container.append(button);
  }
  onLanguageChange((next) => {
    for (const button of container.querySelectorAll<HTMLButtonElement>("button[data-lang]"))
      button.setAttribute("aria-pressed", String(button.dataset.lang === next));
  });
  document.documentElement.lang = current;
}
