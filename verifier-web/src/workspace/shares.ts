/**
 * A share link and its QR code for a student's parents (docs/school-workspace.md, Share links): the
 * clerk, the homeroom teacher of the class, the principal or the school admin makes one for an
 * anchored transcript (POST /api/v1/drafts/{id}/shares), sees the link and its QR code once, lists
 * the document's links with how often each was opened and revokes one
 * (GET /api/v1/drafts/{id}/shares, POST …/shares/{shareId}/revoke). The link opens the verifier
 * page on the credential; the token is in its fragment and never kept by the page beyond showing it.
 */
import { qrDrawing } from "../../../service/src/core/qr";
import { el, formatDate } from "../common/dom";
import { language } from "../common/i18n";
import { errorCode, getJson, postJson } from "./api";
import { t } from "./messages";

/** The staff roles that share (the API's SHARING_ROLES). */
export const SHARING_ROLES = ["clerk", "homeroom", "principal", "school-admin"];

export interface ShareLink {
  id: string;
  kind: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  state: "active" | "expired" | "revoked";
  opened: number;
}

/** The open share panel: one document at a time. */
export const sharing: {
  /** The document (draft id) whose panel is open. */
  id: string | undefined;
  /** The link just made: shown once, with its QR code. */
  made: { url: string; expiresAt: string } | undefined;
  links: ShareLink[] | undefined;
  busy: boolean;
  /** An error code of the last call. */
  error: string | undefined;
  /** The expiry field held something other than 1–365. */
  invalid: boolean;
} = { id: undefined, made: undefined, links: undefined, busy: false, error: undefined, invalid: false };

/** Opens the panel of document `id` (closes it when it is open) and loads its links. */
export async function toggleShares(id: string, render: () => void): Promise<void> {
  const open = sharing.id !== id;
  Object.assign(sharing, {
    id: open ? id : undefined,
    made: undefined,
    links: undefined,
    error: undefined,
    invalid: false,
  });
  render();
  if (open) await loadShares(id, render);
}

async function loadShares(id: string, render: () => void): Promise<void> {
  const answer = await getJson<{ shares: ShareLink[] }>(`/api/v1/drafts/${encodeURIComponent(id)}/shares`);
  if (sharing.id !== id) return;
  if (answer.status === 200) sharing.links = answer.body.shares;
  else sharing.error = errorCode(answer);
  render();
}

/** Makes a link valid `days` days for the open document. */
export async function makeShare(days: number, render: () => void): Promise<void> {
  const id = sharing.id;
  if (!id) return;
  sharing.busy = true;
  render();
  const answer = await postJson<{ url: string; share: ShareLink }>(
    `/api/v1/drafts/${encodeURIComponent(id)}/shares`,
    { expiresInDays: days },
  );
  sharing.busy = false;
  if (sharing.id !== id) return;
  if (answer.status === 201) {
    sharing.made = { url: answer.body.url, expiresAt: answer.body.share.expiresAt };
    sharing.error = undefined;
  } else sharing.error = errorCode(answer);
  await loadShares(id, render);
  // The link was just said (a live region): the keyboard goes to it, to copy or open.
  document.querySelector<HTMLElement>('[data-testid="share-link"]')?.focus();
}

/** Revokes link `shareId` of the open document. */
export async function revokeShareLink(shareId: string, render: () => void): Promise<void> {
  const id = sharing.id;
  if (!id) return;
  const answer = await postJson(
    `/api/v1/drafts/${encodeURIComponent(id)}/shares/${encodeURIComponent(shareId)}/revoke`,
  );
  if (answer.status !== 200) sharing.error = errorCode(answer);
  await loadShares(id, render);
}

/** The day of an instant in Vietnam (UTC+7, no daylight saving), as the people it is for count days. */
function day(iso: string): string {
  return formatDate(new Date(Date.parse(iso) + 7 * 3600_000).toISOString().slice(0, 10), language());
}

/** The QR code of `url` as an inline SVG (no canvas, no image URL: nothing for the CSP to allow). */
function qrSvg(url: string, label: string): SVGSVGElement {
  const { size, path } = qrDrawing(url, 4);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("class", "share-qr");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("data-testid", "share-qr");
  svg.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(ns, "rect");
  background.setAttribute("width", String(size));
  background.setAttribute("height", String(size));
  background.setAttribute("fill", "#fff");
  const modules = document.createElementNS(ns, "path");
  modules.setAttribute("d", path);
  modules.setAttribute("fill", "#000");
  svg.append(background, modules);
  return svg;
}

/** A link of the open document: its state and days, how often it was opened, revoke while active. */
function shareRow(link: ShareLink, render: () => void): HTMLElement {
  let revoke: HTMLElement | null = null;
  if (link.state === "active") {
    revoke = el(
      "button",
      { type: "button", class: "button secondary small", "data-testid": "share-revoke" },
      t("shareRevoke"),
    );
    revoke.addEventListener("click", () => void revokeShareLink(link.id, render));
  }
  return el(
    "li",
    { class: "document-item", "data-testid": "share-row", "data-state": link.state, "data-id": link.id },
    el(
      "span",
      { class: "document-who" },
      t(`shareState_${link.state}`, { made: day(link.createdAt), expires: day(link.expiresAt) }),
    ),
    el("span", { class: "muted" }, t("shareOpened", { count: link.opened })),
    revoke,
  );
}

/** The panel of the open document: the link just made with its QR code, the form, the links. */
export function renderSharePanel(name: string, render: () => void): HTMLElement {
  const days = el("input", {
    type: "text",
    id: "share-days",
    name: "expiresInDays",
    inputmode: "numeric",
    maxlength: 3,
    value: "30",
    "aria-describedby": sharing.invalid ? "share-days-invalid" : undefined,
  });
  const form = el(
    "form",
    { class: "share-form", novalidate: true },
    el(
      "div",
      { class: "field" },
      el("label", { for: "share-days" }, t("shareDays")),
      days,
      sharing.invalid
        ? el("p", { class: "field-error", id: "share-days-invalid" }, t("shareDaysInvalid"))
        : null,
    ),
    el(
      "button",
      { type: "submit", class: "button small", "data-testid": "share-make", disabled: sharing.busy },
      t("shareMake"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = Number(days.value.trim());
    sharing.invalid = !Number.isInteger(value) || value < 1 || value > 365;
    if (sharing.invalid) {
      render();
      document.getElementById("share-days")?.focus();
      return;
    }
    void makeShare(value, render);
  });

  const made = sharing.made
    ? el(
        "div",
        { class: "share-made", role: "status", "data-testid": "share-made" },
        el("p", {}, t("shareMade", { name, expires: day(sharing.made.expiresAt) })),
        el(
          "p",
          {},
          el(
            "a",
            { href: sharing.made.url, class: "token-value share-link", "data-testid": "share-link" },
            sharing.made.url,
          ),
        ),
        qrSvg(sharing.made.url, t("shareQrLabel", { name })),
        el("p", { class: "muted" }, t("shareQrHint")),
      )
    : null;

  const links = sharing.links;
  const list =
    links === undefined
      ? el("p", { class: "muted" }, t("shareLoading"))
      : links.length === 0
        ? el("p", { class: "muted" }, t("shareNone"))
        : el("ul", { class: "documents share-list" }, ...links.map((link) => shareRow(link, render)));
  const error = sharing.error
    ? el("p", { class: "refusal", role: "alert" }, t("shareFailed", { code: sharing.error }))
    : null;
  return el(
    "div",
    { class: "share-panel", id: "share-panel", "data-testid": "share-panel" },
    el("p", {}, t("shareIntro")),
    error,
    made,
    form,
    el("h4", {}, t("shareLinksHeading")),
    list,
  );
}
