/**
 * The drawing helpers every printable document is laid out with: the A4 page and its margins, the
 * colours and type styles, and `PageCursor`, which writes top to bottom over as many pages as the
 * document needs.
 */
import { rgb, type PDFDocument, type PDFFont, type PDFPage, type RGB } from "pdf-lib";

export const A4 = { width: 595.28, height: 841.89 };
export const MARGIN = { left: 56, right: 56, top: 48, bottom: 54 };
export const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
export const BLACK = rgb(0, 0, 0);
export const GREY = rgb(0.38, 0.38, 0.38);
export const RULE = rgb(0.45, 0.45, 0.45);
export const SHADE = rgb(0.92, 0.92, 0.92);
export const ACCENT = rgb(0.55, 0.07, 0.07);

export interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  italic: PDFFont;
}

export interface TextStyle {
  font?: keyof Fonts;
  size?: number;
  color?: RGB;
}

/** A cursor over pages: writes top to bottom and starts a new page when a block does not fit. */
export class PageCursor {
  readonly pages: PDFPage[] = [];
  private page!: PDFPage;
  y = 0;

  constructor(
    private readonly doc: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.newPage();
  }

  get current(): PDFPage {
    return this.page;
  }

  newPage(): void {
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.pages.push(this.page);
    this.y = A4.height - MARGIN.top;
  }

  /** Starts a new page unless `height` points still fit above the bottom margin. */
  ensure(height: number): void {
    if (this.y - height < MARGIN.bottom) this.newPage();
  }

  /** Widths at size 1 by font and text: wrapping measures the same prefixes again and again. */
  private readonly widths = new Map<string, number>();

  width(text: string, style: TextStyle = {}): number {
    const font = style.font ?? "regular";
    const key = `${font}\u0000${text}`;
    let unit = this.widths.get(key);
    if (unit === undefined) {
      unit = this.fonts[font].widthOfTextAtSize(text, 1);
      this.widths.set(key, unit);
    }
    return unit * (style.size ?? 10);
  }

  draw(text: string, x: number, y: number, style: TextStyle = {}): void {
    this.page.drawText(text, {
      x,
      y,
      font: this.fonts[style.font ?? "regular"],
      size: style.size ?? 10,
      color: style.color ?? BLACK,
    });
  }

  /** Text centred on `cx`. */
  centred(text: string, cx: number, y: number, style: TextStyle = {}): void {
    this.draw(text, cx - this.width(text, style) / 2, y, style);
  }

  /** Splits `text` into lines no wider than `width` (long tokens such as hashes are cut). */
  wrap(text: string, width: number, style: TextStyle = {}): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(/\s+/).filter((w) => w !== "")) {
      const candidate = line === "" ? word : `${line} ${word}`;
      if (this.width(candidate, style) <= width) {
        line = candidate;
        continue;
      }
      if (line !== "") lines.push(line);
      line = word;
      while (this.width(line, style) > width) {
        let cut = line.length - 1;
        while (cut > 1 && this.width(line.slice(0, cut), style) > width) cut--;
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    if (line !== "") lines.push(line);
    return lines;
  }

  /** Writes a paragraph at the cursor, wrapped to `width`, and moves the cursor below it. */
  paragraph(text: string, x: number, width: number, style: TextStyle = {}, leading = 1.35): void {
    const size = style.size ?? 10;
    for (const line of this.wrap(text, width, style)) {
      this.ensure(size * leading);
      this.y -= size * leading;
      this.draw(line, x, this.y, style);
    }
  }

  /**
   * "Label: value" pairs on one line at the cursor, each pair starting at its column and kept inside
   * it (up to the next pair's column, or the right margin): a pair too wide is set smaller, down to
   * 80 % of `size`, and its value wrapped below when even that does not fit.
   */
  fields(pairs: [label: string, value: string, x: number][], size = 10.5): void {
    this.ensure(size * 1.6);
    this.y -= size * 1.6;
    let below = 0;
    pairs.forEach(([label, value, x], i) => {
      const room = (pairs[i + 1]?.[2] ?? A4.width - MARGIN.right) - x - (i + 1 < pairs.length ? 8 : 0);
      const labelText = `${label}: `;
      const wide = this.width(labelText, { size }) + this.width(value, { size, font: "bold" });
      const fitted = Math.max(size * 0.8, Math.min(size, (size * room) / wide));
      const labelWidth = this.width(labelText, { size: fitted });
      this.draw(labelText, x, this.y, { size: fitted });
      const lines = this.wrap(value, room - labelWidth, { size: fitted, font: "bold" });
      lines.forEach((line, n) =>
        this.draw(line, x + labelWidth, this.y - n * fitted * 1.3, { size: fitted, font: "bold" }),
      );
      below = Math.max(below, (lines.length - 1) * fitted * 1.3);
    });
    this.y -= below;
  }

  rule(x1: number, x2: number, y: number, thickness = 0.6, color = RULE): void {
    this.page.drawLine({ start: { x: x1, y }, end: { x: x2, y }, thickness, color });
  }

  box(x: number, y: number, width: number, height: number, fill?: RGB, border: RGB | undefined = RULE): void {
    this.page.drawRectangle({
      x,
      y,
      width,
      height,
      ...(fill ? { color: fill } : {}),
      ...(border ? { borderColor: border, borderWidth: 0.6 } : {}),
    });
  }
}
