/**
 * The printable PDF of a credential (README, Printable PDF): an A4 học bạ laid out as the paper one of
 * Thông tư 22/2021 — the national motto header, the school, the student, and per school year the
 * subjects with their term and year results, the learning and conduct results, absences, the
 * outcome and the homeroom teacher — followed by how to check it: a QR code that opens the verifier
 * page on a share link, and where and when it was anchored.
 *
 * The printed text is for people; the proof is the credential file itself, embedded as the PDF
 * attachment `<id>.hocba.json`, so dropping the PDF on the verifier checks exactly what was signed
 * (core/pdf/extract.ts reads it back). What is printed is minimised: the citizen ID is masked to its
 * last digits and the ethnicity (sensitive personal data, docs/school-records.md) is left out — both stay
 * in the signed attachment, which cannot be changed without breaking the signature. Every signer is
 * printed by role and name, with the time the signature says it was made.
 *
 * With a seal (`options.seal`, adapters/pdf/seal.ts) the PDF is a conversion of the electronic
 * document in the sense of the 2023 Law on E-Transactions: a framed block at the end says so and names
 * the converter (the seal certificate's holder), the time of conversion and the source (document id
 * and docHash), and the whole file is signed with PAdES by that certificate.
 */
import { AFRelationship, PDFDocument, rgb, type PDFFont, type PDFPage, type RGB } from "pdf-lib";
import QRCode from "qrcode";
import { PROVINCES } from "../../core/catalog/provinces";
import { maskCitizenId } from "../../core/documents/cccd";
import { formatScore, vietnameseDate, vietnameseDateTime } from "../../core/documents/display";
import { docHash } from "../../core/documents/hash";
import type { Completion, Graduation, SchoolYear, Student, Transcript } from "../../core/documents";
import { GRADUATION_TYPE, TRANSCRIPT_TYPE } from "../../core/documents/schema";
import { HocbaError } from "../../core/errors";
import { CREDENTIAL_ATTACHMENT_SUFFIX, CREDENTIAL_ATTACHMENT_TYPE } from "../../core/pdf/extract";
import { signersOf, type SignatureSigner } from "../../core/pki";
import { decodeBase64 } from "../../core/encoding";
import { readableDocument, type Credential } from "../../core/verification";
import fontkit from "@pdf-lib/fontkit";
import { pdfFontBytes } from "./fonts";
import { sealPdf, type PdfSeal, type SealPlacement } from "./seal";

/** What the PDF is made from: the credential file exactly as served. */
export type PdfCredential = Credential;

export interface TranscriptPdfOptions {
  /** The verifier page link the QR code opens (a share link: see issuance/share-links.ts). */
  verifierLink: string;
  /** Where the verifier page is, printed for people who type rather than scan. */
  verifierPage: string;
  /** Printed in the footer (and, sealed, the time of conversion); default now. */
  printedAt?: Date;
  /** The operator's seal: with it the PDF carries the conversion block and a PAdES signature. */
  seal?: PdfSeal;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = { left: 56, right: 56, top: 48, bottom: 54 };
const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
const BLACK = rgb(0, 0, 0);
const GREY = rgb(0.38, 0.38, 0.38);
const RULE = rgb(0.45, 0.45, 0.45);
const SHADE = rgb(0.92, 0.92, 0.92);
const ACCENT = rgb(0.55, 0.07, 0.07);

const LEVEL_TITLES: Record<string, string> = {
  THCS: "CẤP TRUNG HỌC CƠ SỞ",
  THPT: "CẤP TRUNG HỌC PHỔ THÔNG",
};
const OUTCOME_TEXT: Record<string, string> = {
  promoted: "Được lên lớp",
  "summer-reassessment": "Rèn luyện, kiểm tra lại trong hè",
  "held-back": "Ở lại lớp",
  graduated: "Hoàn thành chương trình, đủ điều kiện xét công nhận tốt nghiệp",
};

/**
 * OpenType features fontkit would run on every measured or drawn string. Vietnamese text in NFC
 * (what documents hold: validate.ts) uses precomposed letters, so none is needed, and shaping
 * was most of the rendering time in a CPU profile (fontkit's GSUB/GPOS lookups on every string).
 */
const NO_SHAPING = Object.fromEntries(
  ["rvrn", "ltra", "ltrm", "frac", "numr", "dnom", "ccmp", "locl", "rlig", "mark", "mkmk"]
    .concat(["calt", "clig", "liga", "rclt", "curs", "kern"])
    .map((tag) => [tag, false]),
);

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  italic: PDFFont;
}

interface TextStyle {
  font?: keyof Fonts;
  size?: number;
  color?: RGB;
}

/** A cursor over pages: writes top to bottom and starts a new page when a block does not fit. */
class Sheet {
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

function provinceName(code: string): string | undefined {
  return PROVINCES.find((p) => p.code === code.padStart(3, "0"))?.name;
}

/** The national motto on the right, the issuing body on the left (Nghị định 30/2020 layout). */
function header(sheet: Sheet, issuer: string, authority: string | undefined): void {
  const left = MARGIN.left + 105;
  const right = A4.width - MARGIN.right - 135;
  const top = sheet.y - 10;
  if (authority) sheet.centred(authority.toUpperCase(), left, top, { size: 10 });
  const first = authority ? 1 : 0;
  const issuerLines = sheet.wrap(issuer.toUpperCase(), 190, { font: "bold", size: 10 });
  issuerLines.forEach((line, i) =>
    sheet.centred(line, left, top - 14 * (i + first), { font: "bold", size: 10 }),
  );
  const issuerBottom = top - 14 * (issuerLines.length - 1 + first) - 5;
  sheet.rule(left - 30, left + 30, issuerBottom, 0.8, BLACK);

  sheet.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", right, top, { font: "bold", size: 10 });
  const motto = "Độc lập - Tự do - Hạnh phúc";
  sheet.centred(motto, right, top - 14, { font: "bold", size: 10.5 });
  const mottoWidth = sheet.width(motto, { font: "bold", size: 10.5 });
  sheet.rule(right - mottoWidth / 2, right + mottoWidth / 2, top - 19, 0.8, BLACK);
  sheet.y = Math.min(issuerBottom, top - 19) - 12;
}

function title(sheet: Sheet, main: string, sub: string | undefined, id: string, kind: string): void {
  sheet.y -= 34;
  sheet.centred(main, A4.width / 2, sheet.y, { font: "bold", size: 24, color: ACCENT });
  if (sub) {
    sheet.y -= 20;
    sheet.centred(sub, A4.width / 2, sheet.y, { font: "bold", size: 12 });
  }
  sheet.y -= 15;
  sheet.centred(`Bản in của ${kind} · mã văn bản ${id}`, A4.width / 2, sheet.y, {
    font: "italic",
    size: 8.5,
    color: GREY,
  });
  sheet.y -= 8;
}

function studentBlock(sheet: Sheet, student: Student, schoolLine: string): void {
  const col2 = MARGIN.left + 290;
  sheet.y -= 6;
  sheet.fields([
    ["Họ và tên", student.fullName.toUpperCase(), MARGIN.left],
    ["Giới tính", student.gender, col2],
  ]);
  sheet.fields([
    ["Ngày sinh", vietnameseDate(student.dateOfBirth), MARGIN.left],
    ["Nơi sinh", student.placeOfBirth, col2],
  ]);
  sheet.fields([
    ["Mã học sinh", student.studentCode, MARGIN.left],
    ["Số định danh cá nhân", maskCitizenId(student.citizenId), col2],
  ]);
  sheet.fields([["Trường", schoolLine, MARGIN.left]]);
  sheet.y -= 10;
}

const COLUMNS = [
  { title: "STT", width: 32 },
  { title: "Môn học và hoạt động giáo dục", width: CONTENT_WIDTH - 32 - 3 * 78 },
  { title: "Học kì I", width: 78 },
  { title: "Học kì II", width: 78 },
  { title: "Cả năm", width: 78 },
];
const ROW = 16;

/** One table row at the cursor: its shading, text and bottom rule (the verticals come with `tableEdges`). */
function tableRow(sheet: Sheet, cells: string[], style: TextStyle, fill?: RGB): void {
  const size = style.size ?? 9.5;
  sheet.y -= ROW;
  if (fill) sheet.box(MARGIN.left, sheet.y, CONTENT_WIDTH, ROW, fill, undefined);
  let x = MARGIN.left;
  COLUMNS.forEach((column, i) => {
    const cell = cells[i] ?? "";
    const y = sheet.y + (ROW - size) / 2 + 1.5;
    if (i === 1) sheet.draw(cell, x + 5, y, { ...style, size });
    else sheet.centred(cell, x + column.width / 2, y, { ...style, size });
    x += column.width;
  });
  sheet.rule(MARGIN.left, MARGIN.left + CONTENT_WIDTH, sheet.y);
}

/** The table's top rule and column lines from `top` down to the cursor. */
function tableEdges(sheet: Sheet, top: number): void {
  sheet.rule(MARGIN.left, MARGIN.left + CONTENT_WIDTH, top);
  let x = MARGIN.left;
  for (const column of [...COLUMNS, undefined]) {
    sheet.current.drawLine({ start: { x, y: top }, end: { x, y: sheet.y }, thickness: 0.6, color: RULE });
    x += column?.width ?? 0;
  }
}

/** The table of a school year's subjects; a page break repeats the header row. */
function subjectTable(sheet: Sheet, year: SchoolYear): void {
  const header = () => {
    tableRow(
      sheet,
      COLUMNS.map((c) => c.title),
      { font: "bold", size: 9.5 },
      SHADE,
    );
  };
  let top = sheet.y;
  header();
  year.subjects.forEach((subject, i) => {
    if (sheet.y - ROW < MARGIN.bottom) {
      tableEdges(sheet, top);
      sheet.newPage();
      top = sheet.y;
      header();
    }
    tableRow(
      sheet,
      [
        String(i + 1),
        subject.name,
        formatScore(subject.term1),
        formatScore(subject.term2),
        formatScore(subject.year),
      ],
      { size: 9.5 },
    );
  });
  tableEdges(sheet, top);
}

const REMARKS_STYLE: TextStyle = { font: "italic", size: 10 };

/** A school year's remarks as printed. */
function remarksText(year: SchoolYear): string | undefined {
  return year.remarks.trim() === "" ? undefined : `Nhận xét của giáo viên chủ nhiệm: ${year.remarks}`;
}

/** The height `schoolYear` takes: heading, table, results, remarks, teacher. */
function schoolYearHeight(sheet: Sheet, year: SchoolYear): number {
  const remarks = remarksText(year);
  const remarkLines = remarks ? sheet.wrap(remarks, CONTENT_WIDTH, REMARKS_STYLE).length : 0;
  return 28 + ROW * (year.subjects.length + 1) + 4 + 3 * 16 + remarkLines * 13.5 + 4;
}

function schoolYear(sheet: Sheet, year: SchoolYear): void {
  // A year stays on one page when it fits on one; a longer one repeats the table header.
  const height = schoolYearHeight(sheet, year);
  sheet.ensure(height <= A4.height - MARGIN.top - MARGIN.bottom ? height : 22 + ROW * 4);
  sheet.y -= 20;
  sheet.box(MARGIN.left, sheet.y - 4, CONTENT_WIDTH, 18, SHADE, undefined);
  sheet.draw(`Năm học ${year.schoolYear.replace("-", " - ")}`, MARGIN.left + 6, sheet.y + 1, {
    font: "bold",
    size: 11,
  });
  const klass = `Lớp ${year.className} (khối ${year.grade})`;
  sheet.draw(
    klass,
    A4.width - MARGIN.right - 6 - sheet.width(klass, { font: "bold", size: 11 }),
    sheet.y + 1,
    {
      font: "bold",
      size: 11,
    },
  );
  sheet.y -= 8;
  subjectTable(sheet, year);
  sheet.y -= 4;
  const col2 = MARGIN.left + 190;
  const col3 = MARGIN.left + 370;
  sheet.fields(
    [
      ["Kết quả học tập", year.academicResult, MARGIN.left],
      ["Kết quả rèn luyện", year.conductResult, col2],
      ["Số ngày nghỉ", String(year.daysAbsent), col3],
    ],
    10,
  );
  sheet.fields([["Kết quả cuối năm", OUTCOME_TEXT[year.outcome] ?? year.outcome, MARGIN.left]], 10);
  const remarks = remarksText(year);
  if (remarks) {
    sheet.y -= 2;
    sheet.paragraph(remarks, MARGIN.left, CONTENT_WIDTH, REMARKS_STYLE);
  }
  sheet.fields([["Giáo viên chủ nhiệm", year.homeroomTeacher, MARGIN.left]], 10);
}

/** The principal's confirmation of lower-secondary completion (from 2026, instead of a diploma). */
function completionBlock(sheet: Sheet, completion: Completion): void {
  sheet.y -= 6;
  sheet.paragraph(
    `Xác nhận hoàn thành chương trình trung học cơ sở: ngày ${vietnameseDate(completion.date)}, Hiệu trưởng ${completion.principal}.`,
    MARGIN.left,
    CONTENT_WIDTH,
    { font: "bold", size: 10 },
  );
}

function graduationBlock(sheet: Sheet, doc: Graduation): void {
  sheet.fields([["Năm tốt nghiệp", String(doc.graduationYear), MARGIN.left]]);
  sheet.fields([
    ["Quyết định công nhận tốt nghiệp số", doc.decision.number, MARGIN.left],
    ["ngày", vietnameseDate(doc.decision.date), MARGIN.left + 330],
  ]);
  sheet.fields([
    ["Số hiệu văn bằng", doc.diplomaSerial, MARGIN.left],
    ["Số vào sổ cấp bằng", doc.registryNumber, MARGIN.left + 250],
  ]);
  if (doc.classification) sheet.fields([["Xếp loại", doc.classification, MARGIN.left]]);
}

const ROLE_STYLE: TextStyle = { font: "bold", size: 10 };

/** Who signed, as printed: role and name from the certificate, and the CMS signing time. */
interface PrintedSigner {
  role: string;
  name?: string;
  signingTime?: Date;
}

/**
 * The signers of the credential's CMS (names and titles from their certificates, signing-time
 * attributes); the document's default role alone when the signature cannot be read.
 */
function printedSigners(signature: string, defaultRole: string): PrintedSigner[] {
  const cms = decodeBase64(signature);
  let signers: SignatureSigner[] = [];
  try {
    if (cms !== undefined) signers = signersOf(cms);
  } catch {
    // The printed copy is for reading; the attachment carries the signature for checking.
  }
  if (signers.length === 0) return [{ role: defaultRole }];
  return signers.map((signer) => ({
    role: signer.title ?? (signers.length === 1 ? defaultRole : "Người ký"),
    name: signer.name,
    signingTime: new Date(signer.signingTime),
  }));
}

/**
 * Where the paper học bạ has the signatures and seal: the place and issue date, then every signer
 * — the first (the principal) on the right, a co-signer (the homeroom teacher) on the left, two per
 * row — with their title, "(Đã ký số)", their name and the time they signed: the signature is the
 * CMS in the attachment, not an image.
 */
function signatureBlock(
  sheet: Sheet,
  place: string | undefined,
  issuedAt: string,
  signers: PrintedSigner[],
): void {
  const column = CONTENT_WIDTH / 2;
  const centre = (i: number) => A4.width - MARGIN.right - column / 2 - (i % 2) * column;
  const [y, m, d] = issuedAt.slice(0, 10).split("-");
  sheet.ensure(20 + 66);
  sheet.y -= 20;
  sheet.centred(`${place ? `${place}, ` : ""}ngày ${d} tháng ${m} năm ${y}`, centre(0), sheet.y, {
    font: "italic",
    size: 10,
  });
  for (let row = 0; row < signers.length; row += 2) {
    const pair = signers.slice(row, row + 2);
    const roles = pair.map((signer) => sheet.wrap(signer.role.toUpperCase(), column - 4, ROLE_STYLE));
    const roleLines = Math.max(...roles.map((lines) => lines.length));
    sheet.ensure(15 + roleLines * 13 + 50);
    const top = sheet.y - 15;
    pair.forEach((signer, i) => {
      const cx = centre(i);
      let at = top;
      for (const line of roles[i]!) {
        sheet.centred(line, cx, at, ROLE_STYLE);
        at -= 13;
      }
      const time = signer.signingTime ? ` lúc ${vietnameseDateTime(signer.signingTime)}` : "";
      sheet.centred(`(Đã ký số${time})`, cx, at - 1, { font: "italic", size: 9, color: GREY });
      if (signer.name) sheet.centred(signer.name, cx, at - 30, { font: "bold", size: 10.5 });
    });
    sheet.y = top - (roleLines - 1) * 13 - 40;
  }
  sheet.y -= 6;
}

const QR_SIZE = 112;

/**
 * Draws the QR code of `text` with its top-left corner at (x, top), `size` points wide: one path of
 * run-length rectangles in module units, scaled (one drawing operation instead of one per module).
 * The text goes in byte mode as one segment — a URL gains nothing from mixed modes, and the
 * segmentation search costs more than the rest of the code.
 */
function qrCode(sheet: Sheet, text: string, x: number, top: number, size: number): void {
  const { modules } = QRCode.create([{ data: new TextEncoder().encode(text), mode: "byte" }], {
    errorCorrectionLevel: "M",
  });
  const quiet = 2;
  const cell = size / (modules.size + 2 * quiet);
  sheet.box(x, top - size, size, size, rgb(1, 1, 1), undefined);
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
  sheet.current.drawSvgPath(path, { x, y: top, scale: cell, color: BLACK });
}

function verification(
  sheet: Sheet,
  credential: PdfCredential,
  id: string,
  kind: string,
  options: TranscriptPdfOptions,
): void {
  const { anchor } = credential;
  const textX = MARGIN.left + QR_SIZE + 18;
  const textWidth = A4.width - MARGIN.right - textX - 8;
  const small: TextStyle = { size: 7, color: GREY };
  const lines: [string, TextStyle][] = [
    [`XÁC THỰC ${kind.toUpperCase()}`, { font: "bold", size: 11, color: ACCENT }],
    [
      "Quét mã QR để kiểm tra trực tuyến; hoặc mở trang kiểm tra dưới đây và kéo thả tệp PDF này vào đó " +
        "(tệp chứng nhận được đính kèm trong PDF).",
      { size: 9 },
    ],
    [`Trang kiểm tra: ${options.verifierPage}`, { font: "bold", size: 9 }],
    [`Tệp đính kèm: ${id}${CREDENTIAL_ATTACHMENT_SUFFIX}`, { size: 9 }],
    [
      `Neo trên chuỗi khối lúc ${vietnameseDateTime(new Date(anchor.anchoredAt))} (giờ Việt Nam)`,
      { size: 9 },
    ],
    [`Gốc Merkle: ${anchor.merkleRoot}`, small],
    [`Giao dịch: ${anchor.txHash}`, small],
    [`Chuỗi ${anchor.chainId} · khối ${anchor.blockNumber} · hợp đồng ${anchor.registry}`, small],
  ];
  const wrapped = lines.map(([text, style]) => [sheet.wrap(text, textWidth, style), style] as const);
  const textHeight = wrapped.reduce((h, [ls, style]) => h + ls.length * (style.size ?? 9) * 1.4, 0);
  const height = Math.max(QR_SIZE, textHeight) + 20;
  sheet.ensure(height + 24);
  sheet.y -= 24;
  const top = sheet.y;
  sheet.box(MARGIN.left, top - height, CONTENT_WIDTH, height, undefined, RULE);
  qrCode(sheet, options.verifierLink, MARGIN.left + 10, top - 10, QR_SIZE);
  let y = top - 10;
  for (const [ls, style] of wrapped) {
    for (const line of ls) {
      y -= (style.size ?? 9) * 1.4;
      sheet.draw(line, textX, y + 2, style);
    }
  }
  sheet.y = top - height;
}

/**
 * The conversion block (2023 Law on E-Transactions: a document converted from a data message says
 * it is a conversion and by whom, when and from what): converter, time, source id and docHash,
 * in Vietnamese with English. Returns where the signature widget goes.
 */
function conversionBlock(
  sheet: Sheet,
  converter: string,
  at: Date,
  id: string,
  hash: string,
  kind: string,
): Omit<SealPlacement, "at"> {
  const textWidth = CONTENT_WIDTH - 20;
  const lines: [string, TextStyle][] = [
    [`BẢN CHUYỂN ĐỔI TỪ ${kind.toUpperCase()}`, { font: "bold", size: 10, color: ACCENT }],
    ["Conversion of the electronic record", { font: "italic", size: 8.5, color: GREY }],
    [
      `Văn bản này được chuyển đổi từ ${kind} (thông điệp dữ liệu) theo Luật Giao dịch điện tử 2023 ` +
        "và được ký số bằng dấu của đơn vị chuyển đổi (PAdES; mở bằng trình đọc PDF để xem chữ ký).",
      { size: 8.5 },
    ],
    [
      "This PDF was converted from the electronic record under the 2023 Law on E-Transactions and " +
        "sealed by the converter (PAdES; a PDF reader shows the signature).",
      { font: "italic", size: 8, color: GREY },
    ],
    [`Đơn vị chuyển đổi (converter): ${converter}`, { font: "bold", size: 8.5 }],
    [
      `Thời điểm chuyển đổi (time of conversion): ${vietnameseDateTime(at)} (giờ Việt Nam) · ${at.toISOString()}`,
      { size: 8.5 },
    ],
    [`Mã văn bản gốc (source id): ${id}`, { size: 8.5 }],
    [`Mã băm văn bản gốc (source docHash, SHA-256): ${hash}`, { size: 7.5 }],
  ];
  const wrapped = lines.map(([text, style]) => [sheet.wrap(text, textWidth, style), style] as const);
  const height = wrapped.reduce((h, [ls, style]) => h + ls.length * (style.size ?? 9) * 1.4, 0) + 16;
  sheet.ensure(height + 16);
  sheet.y -= 16;
  const top = sheet.y;
  sheet.box(MARGIN.left, top - height, CONTENT_WIDTH, height, undefined, ACCENT);
  let y = top - 6;
  for (const [ls, style] of wrapped) {
    for (const line of ls) {
      y -= (style.size ?? 9) * 1.4;
      sheet.draw(line, MARGIN.left + 10, y + 2, style);
    }
  }
  sheet.y = top - height;
  return { page: sheet.current, rect: [MARGIN.left, top - height, MARGIN.left + CONTENT_WIDTH, top] };
}

function footers(sheet: Sheet, id: string, kind: string, printedAt: Date): void {
  const total = sheet.pages.length;
  sheet.pages.forEach((page, i) => {
    const text = `${kind[0]!.toUpperCase()}${kind.slice(1)} ${id} · in lúc ${vietnameseDateTime(printedAt)} · trang ${i + 1}/${total}`;
    const size = 7.5;
    const width = sheet.fonts.regular.widthOfTextAtSize(text, size);
    page.drawLine({
      start: { x: MARGIN.left, y: MARGIN.bottom - 14 },
      end: { x: A4.width - MARGIN.right, y: MARGIN.bottom - 14 },
      thickness: 0.4,
      color: RULE,
    });
    page.drawText(text, {
      x: (A4.width - width) / 2,
      y: MARGIN.bottom - 26,
      size,
      font: sheet.fonts.regular,
      color: GREY,
    });
  });
}

function isTranscript(document: unknown): document is Transcript {
  return (document as { type?: unknown } | null)?.type === TRANSCRIPT_TYPE;
}

function isGraduation(document: unknown): document is Graduation {
  return (document as { type?: unknown } | null)?.type === GRADUATION_TYPE;
}

/**
 * Renders the printable PDF of `credential` with the credential embedded as `<id>.hocba.json`,
 * sealed when `options.seal` is given.
 * @throws HocbaError SCHEMA_INVALID when the document is of no known type; PDF_SEAL_FAILED.
 */
export async function renderTranscriptPdf(
  credential: PdfCredential,
  options: TranscriptPdfOptions,
): Promise<Uint8Array> {
  // A hocba/2 credential's document is the signed, selectively disclosable form: print it as disclosed.
  const { document } = readableDocument(credential);
  if (!isTranscript(document) && !isGraduation(document)) {
    throw new HocbaError(
      "SCHEMA_INVALID",
      "the credential's document is neither a transcript nor a graduation",
    );
  }
  const printedAt = options.printedAt ?? new Date();
  const anchoredAt = new Date(credential.anchor.anchoredAt);
  const bytes = await pdfFontBytes();
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const embed = (font: Uint8Array) => doc.embedFont(font, { subset: true, features: NO_SHAPING });
  const fonts: Fonts = {
    regular: await embed(bytes.regular),
    bold: await embed(bytes.bold),
    italic: await embed(bytes.italic),
  };
  const sheet = new Sheet(doc, fonts);
  const kind = isTranscript(document) ? "học bạ số" : "chứng nhận tốt nghiệp số";

  if (isTranscript(document)) {
    const province = provinceName(document.school.province);
    header(sheet, document.school.name, province ? `Sở GD&ĐT ${province}` : "Sở Giáo dục và Đào tạo");
    title(sheet, "HỌC BẠ", LEVEL_TITLES[document.school.level], document.id, kind);
    studentBlock(sheet, document.student, `${document.school.name} (mã trường ${document.school.code})`);
    for (const year of document.years) schoolYear(sheet, year);
    if (document.completion) completionBlock(sheet, document.completion);
  } else {
    header(sheet, document.district.name, undefined);
    title(sheet, "GIẤY CHỨNG NHẬN TỐT NGHIỆP", "TRUNG HỌC CƠ SỞ", document.id, kind);
    studentBlock(sheet, document.student, `${document.school.name} (mã trường ${document.school.code})`);
    graduationBlock(sheet, document);
  }
  signatureBlock(
    sheet,
    isTranscript(document) ? provinceName(document.school.province) : undefined,
    document.issuedAt,
    printedSigners(
      credential.signature,
      isTranscript(document) ? "Hiệu trưởng" : "Trưởng phòng Giáo dục và Đào tạo",
    ),
  );
  const signedBy = isTranscript(document)
    ? "được nhà trường ký số"
    : "được lập từ danh sách công nhận tốt nghiệp do phòng giáo dục ký số";
  sheet.paragraph(
    `Văn bản ${signedBy} ngày ${vietnameseDate(document.issuedAt)} và được neo trên chuỗi khối. ` +
      "Bản in chỉ để đọc: giá trị xác thực nằm ở tệp đính kèm và mã QR.",
    MARGIN.left,
    CONTENT_WIDTH,
    { font: "italic", size: 8.5, color: GREY },
  );
  verification(sheet, credential, document.id, kind, options);
  const { seal } = options;
  const placement = seal
    ? conversionBlock(sheet, seal.converter, printedAt, document.id, docHash(document), kind)
    : undefined;
  footers(sheet, document.id, kind, printedAt);

  const name = document.student.fullName;
  doc.setTitle(isTranscript(document) ? `Học bạ - ${name}` : `Chứng nhận tốt nghiệp THCS - ${name}`);
  doc.setSubject(`hocba ${document.id}`);
  doc.setAuthor(isTranscript(document) ? document.school.name : document.district.name);
  doc.setCreator("hocba");
  doc.setProducer("hocba (pdf-lib)");
  doc.setLanguage("vi-VN");
  doc.setCreationDate(printedAt);
  doc.setModificationDate(printedAt);
  await doc.attach(
    new TextEncoder().encode(JSON.stringify(credential, null, 2)),
    `${document.id}${CREDENTIAL_ATTACHMENT_SUFFIX}`,
    {
      mimeType: CREDENTIAL_ATTACHMENT_TYPE,
      description:
        "Học bạ số (hocba/1 hoặc hocba/2): tệp để kiểm tra bằng trang kiểm tra hoặc lệnh hocba verify",
      creationDate: anchoredAt,
      modificationDate: anchoredAt,
      afRelationship: AFRelationship.Source,
    },
  );
  if (!seal || !placement) return doc.save();
  return sealPdf(doc, seal, { ...placement, at: printedAt });
}
