/**
 * Small DOM helpers for the public pages: build elements without innerHTML (no injection from
 * document fields, and nothing the Content-Security-Policy would have to allow).
 */

type Child = Node | string | null | undefined | false;

/**
 * Creates an element with attributes (`class`, `data-*`, `aria-*`…) and children.
 * @example
 * el("p", { class: "note" }, "Xin chào");
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** The element with this id, or an error naming it (the page's HTML and code disagree). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id} in the page`);
  return element as T;
}

/**
 * Formats an ISO time or Date for people, in Vietnam time: "23/11/2026 23:29 (giờ Việt Nam)" or
 * "23 Nov 2026, 23:29 (Vietnam time)".
 */
export function formatDateTime(value: string | Date, language: "vi" | "en"): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Ho_Chi_Minh",
      year: "numeric",
      month: language === "vi" ? "2-digit" : "short",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return language === "vi"
    ? `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute} (giờ Việt Nam)`
    : `${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute} (Vietnam time)`;
}

/** Formats a YYYY-MM-DD date as DD/MM/YYYY (Vietnamese) or e.g. 17 May 2009 (English). */
export function formatDate(value: string, language: "vi" | "en"): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return value;
  const [, year, month, day] = match;
  if (language === "vi") return `${day}/${month}/${year}`;
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" }).format(
    new Date(`${value}T00:00:00Z`),
  );
}
