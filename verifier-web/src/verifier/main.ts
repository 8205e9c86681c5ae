/**
 * The verifier page (served at `/`): a credential comes in from a chosen or dropped file, a share
 * link (`/#credential=<URL>`) or a scanned QR code; the core pipeline `verifyCredential` runs here
 * in the browser with the ports of ports.ts; render.ts shows the outcome. The page keeps one state
 * and re-renders it whole on a language switch.
 */
import "../common/base.css";
import "../common/intake.css";
import "./verifier.css";
import type { Graduation, Transcript } from "../../../service/src/core/documents";
import { isHocbaError } from "../../../service/src/core/errors";
import {
  pdfDocHash,
  readableDocument,
  verifyCredential,
  verifySignedPdf,
  type PdfProof,
  type Credential,
  type CredentialAnchor,
  type VerificationResult,
} from "../../../service/src/core/verification";
import { byId, el } from "../common/dom";
import { mountHeader } from "../common/header";
import { language, onLanguageChange } from "../common/i18n";
import { t } from "./messages";
import { fetchPdfProof, verificationContext, type PortSettings } from "./ports";
import { canScan, qrCanvas, scanQr } from "./qr";
import {
  hidePersonalData,
  renderAnchor,
  renderChecks,
  renderDocument,
  renderIssuer,
  renderSignedPdf,
  renderVerdict,
} from "./render";
import {
  credentialUrlFromScan,
  fetchCredential,
  readCredentialFile,
  shareLinkFor,
  sharedCredentialUrl,
  type CredentialSource,
} from "./source";

type State =
  | { phase: "idle" }
  | { phase: "working"; message: () => string }
  | { phase: "failed"; message: () => string }
  | { phase: "done"; credential: unknown; result: VerificationResult; source: CredentialSource }
  | { phase: "done-pdf"; proof: PdfProof | undefined; result: VerificationResult; source: CredentialSource };

/** A PDF the school signed itself (no hocba credential inside): verified with its hocba/pdf-1 proof. */
class SignedPdf {
  constructor(
    readonly bytes: Uint8Array,
    /** The proof dropped beside it, if any. */
    readonly proof?: unknown,
  ) {}
}

let state: State = { phase: "idle" };
const settings: PortSettings = portSettings(new URL(location.href));

function portSettings(url: URL): PortSettings {
  const rpc = url.searchParams.get("rpc");
  return { api: url.origin, ...(rpc ? { rpc } : {}) };
}

// ---- static parts of the page --------------------------------------------------------------------

const main = byId("main");
const fileInput = el("input", {
  type: "file",
  multiple: true,
  id: "credential-file",
  class: "file-input",
  accept: ".json,.hocba.json,application/json,.pdf,application/pdf",
});
const fileLabel = el("label", { for: "credential-file", class: "button file-label" });
const dropHint = el("span", { class: "muted" });
const scanButton = el("button", { type: "button", class: "button secondary", hidden: !canScan() });
const video = el("video", { class: "scan-video", hidden: true, muted: true, playsinline: true });
const scanHelp = el("p", { class: "muted", hidden: true });
const title = el("h1", { class: "page-title" });
const intro = el("p", { class: "intro" });
const mode = el("p", { class: "mode muted" });
const dropzone = el("div", { class: "dropzone" }, fileInput, fileLabel, dropHint, scanButton);
const progress = el("div", { class: "progress", role: "status", "aria-live": "polite" });
const verdictRegion = el("div", { class: "verdict-region", "aria-live": "assertive", tabindex: "-1" });
const results = el("div", { class: "results" });

main.append(
  el("section", { class: "card intake" }, title, intro, dropzone, video, scanHelp, mode),
  progress,
  verdictRegion,
  results,
);

// ---- rendering -------------------------------------------------------------------------------------

/** The document as the holder disclosed it, and what they withheld (hocba/2). */
function documentOf(credential: unknown): { document: Transcript | Graduation; withheld: string[] } {
  const { document, withheld } = readableDocument(credential);
  return { document: document as Transcript | Graduation, withheld };
}

function anchorOf(credential: unknown): CredentialAnchor {
  return (credential as Credential).anchor;
}

async function renderShare(source: CredentialSource): Promise<HTMLElement | null> {
  if (source.kind !== "link") return null;
  const link = shareLinkFor(location.href, source.url);
  const copy = el("button", { type: "button", class: "button secondary" }, t("copyLink"));
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(link).then(() => {
      copy.textContent = t("copied");
    });
  });
  return el(
    "section",
    { class: "card share", "aria-labelledby": "share-heading" },
    el("h2", { id: "share-heading" }, t("shareHeading")),
    el(
      "div",
      { class: "share-body" },
      await qrCanvas(link, t("qrAlt")),
      el("div", {}, el("p", {}, t("shareText")), el("p", { class: "mono share-link" }, link), copy),
    ),
  );
}

async function render(): Promise<void> {
  document.title = `${t("pageTitle")} — hocba`;
  byId("footer").textContent = t("footer");
  title.textContent = t("pageTitle");
  intro.textContent = t("intro");
  fileLabel.textContent = t("chooseFile");
  dropHint.textContent = t("dropHint");
  scanButton.textContent = scanning ? t("scanStop") : t("scanQr");
  scanHelp.textContent = t("scanHelp");
  mode.textContent = settings.rpc
    ? t("modeRpc", { rpc: settings.rpc })
    : t("modeApi", { origin: settings.api });
  mode.classList.toggle("mode-rpc", settings.rpc !== undefined);

  progress.textContent = state.phase === "working" ? state.message() : "";
  if (state.phase === "failed") {
    verdictRegion.replaceChildren(renderVerdict({ failure: state.message() }));
    results.replaceChildren();
    return;
  }
  if (state.phase === "done-pdf") {
    const { result, proof } = state;
    const parts: HTMLElement[] = [renderChecks(result)];
    if (result.checks[0]?.status === "valid") parts.push(renderSignedPdf(result, proof));
    if (proof && result.checks[0]?.status === "valid") parts.push(renderAnchor(proof.anchor, result));
    verdictRegion.replaceChildren(renderVerdict(result));
    results.replaceChildren(...parts);
    return;
  }
  if (state.phase !== "done") {
    verdictRegion.replaceChildren();
    results.replaceChildren();
    return;
  }
  const { credential, result, source } = state;
  const formatOk = result.checks[0]?.status === "valid";
  const parts: (HTMLElement | null)[] = [renderChecks(result)];
  if (formatOk) {
    const { document: shown, withheld } = documentOf(credential);
    parts.push(renderDocument(shown, result.verdict, withheld));
    parts.push(renderIssuer(shown, result));
    parts.push(renderAnchor(anchorOf(credential), result));
  }
  parts.push(await renderShare(source));
  verdictRegion.replaceChildren(renderVerdict(result));
  results.replaceChildren(...parts.filter((part) => part !== null));
}

function show(next: State): Promise<void> {
  state = next;
  return render();
}

// ---- verification ----------------------------------------------------------------------------------

async function verify(load: () => Promise<unknown>, source: CredentialSource, loading: () => string) {
  hidePersonalData();
  await show({ phase: "working", message: loading });
  let credential: unknown;
  try {
    credential = await load();
  } catch (error) {
    const reason = readProblem(error);
    const key = source.kind === "file" ? "readError" : "linkError";
    await show({
      phase: "failed",
      message: () => t(key, { reason: reason() }),
    });
    verdictRegion.focus();
    return;
  }
  if (credential instanceof SignedPdf) {
    await verifyPdf(credential, source);
    verdictRegion.focus();
    return;
  }
  await show({ phase: "working", message: () => t("verifying") });
  try {
    const context = await verificationContext(settings);
    const result = await verifyCredential(credential, context);
    await show({ phase: "done", credential, result, source });
  } catch (error) {
    const reason = (error as Error).message;
    await show({ phase: "failed", message: () => `${t("verdictErrorText")} (${reason})` });
  }
  verdictRegion.focus();
}

/**
 * A signed PDF in the browser: its proof is the one dropped beside it, else the service's found
 * by the file's SHA-256; then the same named checks as for a credential (core/verification/pdf.ts).
 */
async function verifyPdf(pdf: SignedPdf, source: CredentialSource): Promise<void> {
  await show({ phase: "working", message: () => t("loadingProof") });
  try {
    const [context, found] = await Promise.all([
      verificationContext(settings),
      pdf.proof === undefined
        ? fetchPdfProof(settings.api, pdfDocHash(pdf.bytes))
        : Promise.resolve({ proof: pdf.proof }),
    ]);
    await show({ phase: "working", message: () => t("verifying") });
    const result = await verifySignedPdf(pdf.bytes, found, context);
    const proof =
      "proof" in found && result.checks[0]?.status === "valid" ? (found.proof as PdfProof) : undefined;
    await show({ phase: "done-pdf", proof, result, source });
  } catch (error) {
    const reason = (error as Error).message;
    await show({ phase: "failed", message: () => `${t("verdictErrorText")} (${reason})` });
  }
}

/** Why a file or link gave no credential, in the page's language where the reason is known. */
function readProblem(error: unknown): () => string {
  if (isHocbaError(error) && error.code === "PDF_NO_CREDENTIAL") return () => t("pdfNoCredential");
  if (isHocbaError(error) && error.code === "PDF_INVALID") return () => t("pdfInvalid");
  if (isHocbaError(error) && error.code === "SHARE_REVOKED") return () => t("shareRevoked");
  if (isHocbaError(error) && error.code === "SHARE_EXPIRED") return () => t("shareExpired");
  if (isHocbaError(error) && error.code === "NOT_FOUND") return () => t("shareNotFound");
  return () => (error as Error).message;
}

/**
 * The PDF reader (pdf-lib, ~400 kB) is loaded only when a PDF is dropped. A PDF printed by hocba
 * carries its credential; any other (a PDF the school signed itself) is verified as a signed PDF.
 */
async function extractFromPdf(bytes: Uint8Array): Promise<unknown> {
  const { extractCredentialFromPdf } = await import("../../../service/src/core/pdf/extract");
  const { findPdfSignatures } = await import("../../../service/src/core/pdf/signatures");
  try {
    return await extractCredentialFromPdf(bytes);
  } catch (error) {
    // A PDF with neither a credential nor a signature is neither kind: "no credential" stands.
    if (isHocbaError(error) && error.code === "PDF_NO_CREDENTIAL" && findPdfSignatures(bytes).length > 0)
      return new SignedPdf(bytes);
    throw error;
  }
}

/** One file; or a signed PDF with its hocba/pdf-1 proof file dropped beside it. */
function verifyFile(file: File, proofFile?: File): void {
  void verify(
    async () => {
      if (proofFile === undefined) return readCredentialFile(file, extractFromPdf);
      const proof = JSON.parse(await proofFile.text()) as unknown;
      return new SignedPdf(new Uint8Array(await file.arrayBuffer()), proof);
    },
    { kind: "file", name: file.name },
    () => t("loadingFile", { name: file.name }),
  );
}

/** The files chosen or dropped: a PDF and a .json together are a signed PDF and its proof. */
function verifyFiles(files: FileList | undefined | null): void {
  const list = [...(files ?? [])];
  const pdf = list.find((f) => /\.pdf$/i.test(f.name) || f.type === "application/pdf");
  const json = list.find((f) => /\.json$/i.test(f.name));
  if (list.length === 2 && pdf && json) verifyFile(pdf, json);
  else if (list[0]) verifyFile(list[0]);
}

function verifyLink(url: string): void {
  void verify(
    () => fetchCredential(url),
    { kind: "link", url },
    () => t("loadingLink"),
  );
}

fileInput.addEventListener("change", () => {
  verifyFiles(fileInput.files);
  fileInput.value = "";
});
dropzone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropzone.classList.add("dragging");
});
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("dragging"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("dragging");
  verifyFiles(event.dataTransfer?.files);
});

// ---- QR scanning -----------------------------------------------------------------------------------

let scanning: AbortController | undefined;
scanButton.addEventListener("click", () => {
  if (scanning) {
    scanning.abort();
    return;
  }
  const controller = new AbortController();
  scanning = controller;
  video.hidden = false;
  scanHelp.hidden = false;
  void render();
  scanQr(video, controller.signal)
    .then((text) => {
      if (text) verifyLink(credentialUrlFromScan(text, location.origin));
    })
    .catch((error: unknown) => {
      void show({
        phase: "failed",
        message: () => t("scanUnavailable", { reason: (error as Error).message }),
      });
    })
    .finally(() => {
      scanning = undefined;
      video.hidden = true;
      scanHelp.hidden = true;
      void render();
    });
});

// ---- start -----------------------------------------------------------------------------------------

mountHeader("verifier");
onLanguageChange(() => void render());
document.documentElement.lang = language();
void render();
try {
  const shared = sharedCredentialUrl(location);
  if (shared) verifyLink(shared);
} catch (error) {
  void show({ phase: "failed", message: () => t("linkError", { reason: (error as Error).message }) });
}
