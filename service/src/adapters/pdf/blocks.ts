/**
 * The blocks every printed document shares, drawn with a PageCursor: the national motto header,
 * the title, the student, the signatures, how to check the document (QR code and anchor), the
 * conversion block of a sealed PDF, and the page footers. A document type's layout
 * (transcript-layout.ts, graduation-layout.ts) puts its own content between them.
 */
import { rgb } from "pdf-lib";
import { PROVINCES } from "../../core/catalog/provinces";
import { maskCitizenId } from "../../core/documents/cccd";
import { vietnameseDate, vietnameseDateInWords, vietnameseDateTime } from "../../core/documents/display";
import type { Student } from "../../core/documents";
import { CREDENTIAL_ATTACHMENT_SUFFIX } from "../../core/pdf/extract";
import { signersOf, type SignatureSigner } from "../../core/pki";
import { decodeBase64 } from "../../core/encoding";
import { qrDrawing } from "../../core/qr";
import type { CredentialAnchor } from "../../core/verification";
import type { PdfLinks } from "../../issuance/ports";
import type { SealPlacement } from "./seal";
import {
  A4,
  ACCENT,
  BLACK,
  CONTENT_WIDTH,
  GREY,
  MARGIN,
  RULE,
  type PageCursor,
  type TextStyle,
} from "./page-cursor";

/** The province of a school's code, by name. */
export function provinceName(code: string): string | undefined {
  return PROVINCES.find((p) => p.code === code.padStart(3, "0"))?.name;
}

/** The national motto on the right, the issuing body on the left (Nghị định 30/2020 layout). */
export function header(cursor: PageCursor, issuer: string, authority: string | undefined): void {
  const left = MARGIN.left + 105;
  const right = A4.width - MARGIN.right - 135;
  const top = cursor.y - 10;
  if (authority) cursor.centred(authority.toUpperCase(), left, top, { size: 10 });
  const first = authority ? 1 : 0;
  const issuerLines = cursor.wrap(issuer.toUpperCase(), 190, { font: "bold", size: 10 });
  issuerLines.forEach((line, i) =>
    cursor.centred(line, left, top - 14 * (i + first), { font: "bold", size: 10 }),
  );
  const issuerBottom = top - 14 * (issuerLines.length - 1 + first) - 5;
  cursor.rule(left - 30, left + 30, issuerBottom, 0.8, BLACK);

  cursor.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", right, top, { font: "bold", size: 10 });
  const motto = "Độc lập - Tự do - Hạnh phúc";
  cursor.centred(motto, right, top - 14, { font: "bold", size: 10.5 });
  const mottoWidth = cursor.width(motto, { font: "bold", size: 10.5 });
  cursor.rule(right - mottoWidth / 2, right + mottoWidth / 2, top - 19, 0.8, BLACK);
  cursor.y = Math.min(issuerBottom, top - 19) - 12;
}

export function title(
  cursor: PageCursor,
  main: string,
  sub: string | undefined,
  id: string,
  kind: string,
): void {
  cursor.y -= 34;
  cursor.centred(main, A4.width / 2, cursor.y, { font: "bold", size: 24, color: ACCENT });
  if (sub) {
    cursor.y -= 20;
    cursor.centred(sub, A4.width / 2, cursor.y, { font: "bold", size: 12 });
  }
  cursor.y -= 15;
  cursor.centred(`Bản in của ${kind} · mã văn bản ${id}`, A4.width / 2, cursor.y, {
    font: "italic",
    size: 8.5,
    color: GREY,
  });
  cursor.y -= 8;
}

export function studentBlock(cursor: PageCursor, student: Student, schoolLine: string): void {
  const col2 = MARGIN.left + 290;
  cursor.y -= 6;
  cursor.fields([
    ["Họ và tên", student.fullName.toUpperCase(), MARGIN.left],
    ["Giới tính", student.gender, col2],
  ]);
  cursor.fields([
    ["Ngày sinh", vietnameseDate(student.dateOfBirth), MARGIN.left],
    ["Nơi sinh", student.placeOfBirth, col2],
  ]);
  cursor.fields([
    ["Mã học sinh", student.studentCode, MARGIN.left],
    ["Số định danh cá nhân", maskCitizenId(student.citizenId), col2],
  ]);
  cursor.fields([["Trường", schoolLine, MARGIN.left]]);
  cursor.y -= 10;
}

const ROLE_STYLE: TextStyle = { font: "bold", size: 10 };

/** Who signed, as printed: role and name from the certificate, and the CMS signing time. */
export interface PrintedSigner {
  role: string;
  name?: string;
  signingTime?: Date;
}

/**
 * The signers of the credential's CMS (names and titles from their certificates, signing-time
 * attributes); the document's default role alone when the signature cannot be read.
 */
export function printedSigners(signature: string, defaultRole: string): PrintedSigner[] {
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
export function signatureBlock(
  cursor: PageCursor,
  place: string | undefined,
  issuedAt: string,
  signers: PrintedSigner[],
): void {
  const column = CONTENT_WIDTH / 2;
  const centre = (i: number) => A4.width - MARGIN.right - column / 2 - (i % 2) * column;
  cursor.ensure(20 + 66);
  cursor.y -= 20;
  cursor.centred(`${place ? `${place}, ` : ""}${vietnameseDateInWords(issuedAt)}`, centre(0), cursor.y, {
    font: "italic",
    size: 10,
  });
  for (let row = 0; row < signers.length; row += 2) {
    const pair = signers.slice(row, row + 2);
    const roles = pair.map((signer) => cursor.wrap(signer.role.toUpperCase(), column - 4, ROLE_STYLE));
    const roleLines = Math.max(...roles.map((lines) => lines.length));
    cursor.ensure(15 + roleLines * 13 + 50);
    const top = cursor.y - 15;
    pair.forEach((signer, i) => {
      const cx = centre(i);
      let at = top;
      for (const line of roles[i]!) {
        cursor.centred(line, cx, at, ROLE_STYLE);
        at -= 13;
      }
      const time = signer.signingTime ? ` lúc ${vietnameseDateTime(signer.signingTime)}` : "";
      cursor.centred(`(Đã ký số${time})`, cx, at - 1, { font: "italic", size: 9, color: GREY });
      if (signer.name) cursor.centred(signer.name, cx, at - 30, { font: "bold", size: 10.5 });
    });
    cursor.y = top - (roleLines - 1) * 13 - 40;
  }
  cursor.y -= 6;
}

const QR_SIZE = 112;

/**
 * Draws the QR code of `text` with its top-left corner at (x, top), `size` points wide: one path of
 * run-length rectangles in module units (core/qr.ts), scaled (one drawing operation instead of one
 * per module).
 */
function qrCode(cursor: PageCursor, text: string, x: number, top: number, size: number): void {
  const { size: modules, path } = qrDrawing(text);
  cursor.box(x, top - size, size, size, rgb(1, 1, 1), undefined);
  cursor.current.drawSvgPath(path, { x, y: top, scale: size / modules, color: BLACK });
}

/** Where and how to check the document: the QR code, the verifier page, the attachment and the anchor. */
export function verification(
  cursor: PageCursor,
  anchor: CredentialAnchor,
  id: string,
  kind: string,
  links: PdfLinks,
): void {
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
    [`Trang kiểm tra: ${links.verifierPage}`, { font: "bold", size: 9 }],
    [`Tệp đính kèm: ${id}${CREDENTIAL_ATTACHMENT_SUFFIX}`, { size: 9 }],
    [
      `Neo trên chuỗi khối lúc ${vietnameseDateTime(new Date(anchor.anchoredAt))} (giờ Việt Nam)`,
      { size: 9 },
    ],
    [`Gốc Merkle: ${anchor.merkleRoot}`, small],
    [`Giao dịch: ${anchor.txHash}`, small],
    [`Chuỗi ${anchor.chainId} · khối ${anchor.blockNumber} · hợp đồng ${anchor.registry}`, small],
  ];
  const wrapped = lines.map(([text, style]) => [cursor.wrap(text, textWidth, style), style] as const);
  const textHeight = wrapped.reduce((h, [ls, style]) => h + ls.length * (style.size ?? 9) * 1.4, 0);
  const height = Math.max(QR_SIZE, textHeight) + 20;
  cursor.ensure(height + 24);
  cursor.y -= 24;
  const top = cursor.y;
  cursor.box(MARGIN.left, top - height, CONTENT_WIDTH, height, undefined, RULE);
  qrCode(cursor, links.verifierLink, MARGIN.left + 10, top - 10, QR_SIZE);
  let y = top - 10;
  for (const [ls, style] of wrapped) {
    for (const line of ls) {
      y -= (style.size ?? 9) * 1.4;
      cursor.draw(line, textX, y + 2, style);
    }
  }
  cursor.y = top - height;
}

/**
 * The conversion block (2023 Law on E-Transactions: a document converted from a data message says
 * it is a conversion and by whom, when and from what): converter, time, source id and docHash,
 * in Vietnamese with English. Returns where the signature widget goes.
 */
export function conversionBlock(
  cursor: PageCursor,
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
  const wrapped = lines.map(([text, style]) => [cursor.wrap(text, textWidth, style), style] as const);
  const height = wrapped.reduce((h, [ls, style]) => h + ls.length * (style.size ?? 9) * 1.4, 0) + 16;
  cursor.ensure(height + 16);
  cursor.y -= 16;
  const top = cursor.y;
  cursor.box(MARGIN.left, top - height, CONTENT_WIDTH, height, undefined, ACCENT);
  let y = top - 6;
  for (const [ls, style] of wrapped) {
    for (const line of ls) {
      y -= (style.size ?? 9) * 1.4;
      cursor.draw(line, MARGIN.left + 10, y + 2, style);
    }
  }
  cursor.y = top - height;
  return { page: cursor.current, rect: [MARGIN.left, top - height, MARGIN.left + CONTENT_WIDTH, top] };
}

export function footers(cursor: PageCursor, id: string, kind: string, printedAt: Date): void {
  const total = cursor.pages.length;
  cursor.pages.forEach((page, i) => {
    const text = `${kind[0]!.toUpperCase()}${kind.slice(1)} ${id} · in lúc ${vietnameseDateTime(printedAt)} · trang ${i + 1}/${total}`;
    const size = 7.5;
    const width = cursor.fonts.regular.widthOfTextAtSize(text, size);
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
      font: cursor.fonts.regular,
      color: GREY,
    });
  });
}
