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

// Dates for people come from the core, the same as the PDF's.
export { formatDate, formatDateTime } from "../../../service/src/core/documents/display";
