/**
 * The typeface of the printable PDF: DejaVu Serif, a serif face (as Vietnamese official documents
 * are set) with every precomposed Vietnamese letter, under the free Bitstream Vera licence (DejaVu's
 * changes are public domain). The TTF files ship in the npm package dejavu-fonts-ttf: nothing is
 * downloaded at run time. Google Fonts' current builds (Noto Serif, Tinos) were tried first and
 * dropped: pdf-lib's font subsetter loses most of their glyphs (blank text in every viewer), while
 * DejaVu subsets correctly, keeping a PDF near 50 KB instead of 1.5 MB of whole fonts.
 * The files are read once per process and kept (about 2 MB). The parsed faces are NOT shared
 * between documents: fontkit's subsetter changes state in a parsed font, and a second PDF made
 * from the same parsed face lost glyphs (tried, and caught by test/adapters/pdf).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

export interface PdfFontBytes {
  regular: Uint8Array;
  bold: Uint8Array;
  italic: Uint8Array;
}

const PACKAGE = "dejavu-fonts-ttf";
const FILES: Record<keyof PdfFontBytes, string> = {
  regular: "ttf/DejaVuSerif.ttf",
  bold: "ttf/DejaVuSerif-Bold.ttf",
  italic: "ttf/DejaVuSerif-Italic.ttf",
};

let loaded: Promise<PdfFontBytes> | undefined;

async function load(): Promise<PdfFontBytes> {
  const dir = path.dirname(require.resolve(`${PACKAGE}/package.json`));
  const [regular, bold, italic] = await Promise.all(
    [FILES.regular, FILES.bold, FILES.italic].map(
      async (file) => new Uint8Array(await readFile(path.join(dir, file))),
    ),
  );
  return { regular: regular!, bold: bold!, italic: italic! };
}

/** The font files, read on first use and cached for the life of the process. */
export function pdfFontBytes(): Promise<PdfFontBytes> {
  loaded ??= load().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}
