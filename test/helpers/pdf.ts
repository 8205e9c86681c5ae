/**
 * Looking at a PDF the way a person does, with poppler's tools: its text (`pdftotext`) and a page
 * as pixels (`pdftoppm`), from which the QR code is read back with jsQR. Under CI=true poppler-utils
 * must be installed (.ci/run); elsewhere the tests that need it are skipped without it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import jsQR from "jsqr";
import { IN_CI } from "./services";

function hasCommand(name: string): boolean {
  try {
    execFileSync(name, ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Whether poppler's pdftotext and pdftoppm are here; under CI their absence is an error. */
export function popplerAvailable(): boolean {
  const ok = hasCommand("pdftotext") && hasCommand("pdftoppm");
  if (!ok && IN_CI) throw new Error("pdftotext/pdftoppm (poppler-utils) are missing and CI=true");
  return ok;
}

/** Runs `fn` on a temporary copy of `pdf`. */
function withFile<T>(pdf: Uint8Array, fn: (file: string, dir: string) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-pdf-"));
  try {
    const file = path.join(dir, "doc.pdf");
    writeFileSync(file, pdf);
    return fn(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of every page, in reading order (`pdftotext -layout`). */
export function pdfText(pdf: Uint8Array): string {
  return withFile(pdf, (file) => execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }));
}

/** Renders page `page` (1-based) at `dpi` and decodes the QR code on it; undefined when none is found. */
export function qrOnPage(pdf: Uint8Array, page: number, dpi = 150): string | undefined {
  return withFile(pdf, (file, dir) => {
    const out = path.join(dir, "page");
    execFileSync("pdftoppm", [
      "-r",
      String(dpi),
      "-f",
      String(page),
      "-l",
      String(page),
      "-singlefile",
      file,
      out,
    ]);
    const ppm = readFileSync(`${out}.ppm`);
    // P6 header: "P6\n<width> <height>\n255\n", then RGB bytes.
    const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString("latin1"));
    if (!header) throw new Error("pdftoppm wrote no binary PPM");
    const [width, height] = [Number(header[1]), Number(header[2])];
    const pixels = ppm.subarray(header[0].length);
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      rgba[i * 4] = pixels[i * 3]!;
      rgba[i * 4 + 1] = pixels[i * 3 + 1]!;
      rgba[i * 4 + 2] = pixels[i * 3 + 2]!;
      rgba[i * 4 + 3] = 255;
    }
    return jsQR(rgba, width, height)?.data;
  });
}

/** How many pages the PDF has (`pdfinfo`). */
export function pdfPages(pdf: Uint8Array): number {
  return withFile(pdf, (file) => {
    const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
    return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
  });
}

/** A word as poppler places it: its page (1-based) and box in points from the top-left corner. */
export interface WordBox {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Every word of the PDF with its box (`pdftotext -bbox`). */
export function pdfWords(pdf: Uint8Array): WordBox[] {
  const html = withFile(pdf, (file) => execFileSync("pdftotext", ["-bbox", file, "-"], { encoding: "utf8" }));
  const words: WordBox[] = [];
  html
    .split("<page ")
    .slice(1)
    .forEach((page, index) => {
      const pattern =
        /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g;
      for (const m of page.matchAll(pattern)) {
        words.push({
          page: index + 1,
          text: m[5]!
            .replace(/&amp;/g, "&")
            .replace(/&lt;/g, "<")
            .replace(/&gt;/g, ">")
            .replace(/&quot;/g, '"'),
          xMin: Number(m[1]),
          yMin: Number(m[2]),
          xMax: Number(m[3]),
          yMax: Number(m[4]),
        });
      }
    });
  return words;
}

/**
 * The pairs of words that overlap on a page by more than `tolerance` points each way — text
 * drawn over text, as when two blocks collide.
 */
export function overlappingWords(words: readonly WordBox[], tolerance = 1): [string, string][] {
  const pairs: [string, string][] = [];
  words.forEach((a, i) => {
    for (const b of words.slice(i + 1)) {
      if (a.page !== b.page) continue;
      const x = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
      const y = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
      if (x > tolerance && y > tolerance) pairs.push([`p${a.page} ${a.text}`, `p${b.page} ${b.text}`]);
    }
  });
  return pairs;
}

/** One signature as poppler's `pdfsig` reports it. */
export interface PdfsigSignature {
  /** "Signature Type", e.g. ETSI.CAdES.detached. */
  type: string;
  /** The signer certificate's common name. */
  signer: string;
  /** Whether pdfsig says "Total document signed" (else the ranges do not cover the file). */
  totalDocumentSigned: boolean;
  /** "Signature Validation", e.g. "Signature is Valid." or "Digest Mismatch.". */
  validation: string;
}

/** Whether poppler's pdfsig is here; under CI its absence is an error. */
export function pdfsigAvailable(): boolean {
  const ok = hasCommand("pdfsig");
  if (!ok && IN_CI) throw new Error("pdfsig (poppler-utils) is missing and CI=true");
  return ok;
}

/** What `pdfsig` says of every signature of the PDF, in file order. */
export function pdfsig(pdf: Uint8Array): PdfsigSignature[] {
  const report = withFile(pdf, (file) => {
    // pdfsig exits non-zero when a signature is not valid; its report is what is wanted.
    const run = spawnSync("pdfsig", [file], { encoding: "utf8" });
    return run.stdout;
  });
  return report
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .map((block) => ({
      type: /Signature Type: (.*)$/m.exec(block)?.[1]?.trim() ?? "",
      signer: /Signer Certificate Common Name: (.*)$/m.exec(block)?.[1]?.trim() ?? "",
      totalDocumentSigned: /^\s*- Total document signed$/m.test(block),
      validation: /Signature Validation: (.*)$/m.exec(block)?.[1]?.trim() ?? "",
    }));
}
