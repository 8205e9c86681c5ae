/**
 * The one header of the public pages: the skip link's words, the site title, the links to the
 * other pages (verifier, bulk verification, graduation lookup, school workspace, my records) and the language
 * switch, built into the page's `<header id="site-header">` and re-worded on a language switch.
 * Test hooks: `#site-title`, `#nav-verifier`, `#nav-bulk`, `#nav-lookup`, `#nav-workspace`,
 * `#nav-citizen`, `#lang-switch` (each page lists the others, never itself).
 */
import { el, byId } from "./dom";
import { language, mountLanguageSwitch, onLanguageChange, type Language } from "./i18n";

export type PageName = "verifier" | "bulk" | "lookup" | "workspace" | "citizen";

interface Link {
  page: PageName;
  href: string;
  text: Record<Language, string>;
}

const LINKS: readonly Link[] = [
  { page: "verifier", href: "/", text: { vi: "Xác minh học bạ", en: "Verify a transcript" } },
  { page: "bulk", href: "/xac-minh-hang-loat", text: { vi: "Xác minh hàng loạt", en: "Verify in bulk" } },
  {
    page: "lookup",
    href: "/tra-cuu",
    text: { vi: "Tra cứu tốt nghiệp THCS", en: "Lower-secondary graduation lookup" },
  },
  { page: "workspace", href: "/truong", text: { vi: "Nhà trường", en: "School workspace" } },
  { page: "citizen", href: "/cua-toi", text: { vi: "Hồ sơ của tôi", en: "My records" } },
];

const WORDS: Record<"brand" | "nav" | "skip", Record<Language, string>> = {
  brand: { vi: "hocba · Học bạ số", en: "hocba · Digital transcripts" },
  nav: { vi: "Trang", en: "Pages" },
  skip: { vi: "Bỏ qua đến nội dung", en: "Skip to content" },
};

/**
 * Builds the header of page `current` and mounts the language switch in it.
 * @example
 * mountHeader("workspace");
 */
export function mountHeader(current: PageName): void {
  const title = el("a", { href: "/", id: "site-title" });
  const links = LINKS.filter((link) => link.page !== current).map((link) => ({
    link,
    anchor: el("a", { href: link.href, id: `nav-${link.page}` }),
  }));
  const languages = el("div", { class: "lang-switch", id: "lang-switch" });
  const nav = el("nav", { class: "site-nav" }, ...links.map((l) => l.anchor), languages);
  byId("site-header").replaceChildren(
    el("div", { class: "site-header-inner" }, el("p", { class: "site-title" }, title), nav),
  );
  const words = (): void => {
    const lang = language();
    title.textContent = WORDS.brand[lang];
    nav.setAttribute("aria-label", WORDS.nav[lang]);
    for (const { link, anchor } of links) anchor.textContent = link.text[lang];
    const skip = document.querySelector(".skip-link");
    if (skip) skip.textContent = WORDS.skip[lang];
  };
  mountLanguageSwitch(languages);
  onLanguageChange(words);
  words();
}
