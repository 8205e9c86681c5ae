/**
 * "In xác nhận": a one-page printout of one record — the diploma fields, its status, the anchoring
 * data and the time and address of the lookup — laid out in a sheet of its own (#print-sheet) that
 * only print media shows, so the printout carries no form, buttons or other results. A QR code
 * (the verifier's drawing of it) and the link beside it open the lookup on the same serial again.
 */
import { byId, el } from "../common/dom";
import type { GraduateRecord } from "./api";
import { t } from "./messages";
import { serialLink } from "./query";
import { qrCanvas } from "../verifier/qr";
import { anchorRows, definitionList, formatMoment, recordRows, shownStatus } from "./render";

/** Where a reader of the printout can look the record up again. */
function lookupAddress(): string {
  return `${window.location.origin}${window.location.pathname}`;
}

/** Fills #print-sheet with `record` as looked up at `lookedUpAt`. */
export async function fillPrintSheet(record: GraduateRecord, lookedUpAt: Date): Promise<HTMLElement> {
  const sheet = byId("print-sheet");
  const { status, check } = shownStatus(record);
  const link = serialLink(window.location.origin, record.diplomaSerial);
  const qr = await qrCanvas(link, t("printQr"));
  sheet.replaceChildren(
    el("h1", {}, t("printTitle")),
    el(
      "p",
      { class: "print-meta" },
      t("printLookedUp", { time: formatMoment(lookedUpAt), url: lookupAddress() }),
    ),
    el("h2", {}, t("printRecord")),
    definitionList(recordRows(record), "fields"),
    el("h2", {}, t("printStatus")),
    el("p", { class: `status status-${status}` }, t(`status.${status}`)),
    ...(record.anchor
      ? [
          el("p", {}, t(check === "valid" ? "proofCheckValid" : "proofCheckInvalid")),
          definitionList(anchorRows(record.anchor), "fields"),
        ]
      : []),
    el(
      "p",
      { class: "print-provenance" },
      t("provenanceSigned", { issuer: record.provenance.signedBy.name }),
    ),
    el(
      "div",
      { class: "print-recheck" },
      qr,
      el("p", { class: "print-note" }, t("printNote"), " ", el("span", { class: "print-link" }, link)),
    ),
  );
  return sheet;
}

/**
 * Prints `record` alone: the body's `printing` class switches print media to the sheet; it is
 * removed after printing so that the browser's own Print command prints the page as usual.
 */
export async function printRecord(record: GraduateRecord, lookedUpAt: Date): Promise<void> {
  await fillPrintSheet(record, lookedUpAt);
  document.body.classList.add("printing");
  window.addEventListener("afterprint", () => document.body.classList.remove("printing"), { once: true });
  window.print();
}
