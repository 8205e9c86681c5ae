/**
 * A QR code as one SVG path, in module units: what the printable PDF draws (adapters/pdf/blocks.ts)
 * and what the school workspace shows beside a share link (verifier-web/src/workspace/shares.ts).
 * The text goes in byte mode as one segment — a URL gains nothing from mixed modes, and the
 * segmentation search costs more than the rest of the code — at error correction level M.
 */
import QRCode from "qrcode";

export interface QrDrawing {
  /** Modules per side, the quiet zone included: the path's viewBox is 0 0 size size. */
  size: number;
  /** Run-length rectangles of the dark modules: `M x y h w v 1 h -w z`, one per run. */
  path: string;
}

/** The QR code of `text` with a quiet zone of `quiet` modules on each side. */
export function qrDrawing(text: string, quiet = 2): QrDrawing {
  const { modules } = QRCode.create([{ data: new TextEncoder().encode(text), mode: "byte" }], {
    errorCorrectionLevel: "M",
  });
  let path = "";
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size;) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      path += `M${quiet + start} ${quiet + row}h${col - start}v1h${start - col}z`;
    }
  }
  return { size: modules.size + 2 * quiet, path };
}
