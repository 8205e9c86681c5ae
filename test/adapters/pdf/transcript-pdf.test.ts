/**
 * The PDF renderer on its own: the Vietnamese conventions it prints (dates, decimal commas, the
 * masked citizen ID), both document types, and the credential attached byte for byte.
 */
import { describe, expect, it } from "vitest";
import { renderTranscriptPdf, type PdfCredential } from "../../../service/src/adapters/pdf/transcript-pdf";
import { maskCitizenId } from "../../../service/src/core/documents/cccd";
import { formatScore, vietnameseDate, vietnameseDateTime } from "../../../service/src/core/documents/display";
import { extractCredentialFromPdf } from "../../../service/src/core/pdf/extract";
import { makeGraduation, makeTranscript } from "../../helpers/fixtures";
import { canonicalBytes, type Transcript } from "../../../service/src/core/documents";
import { signDetached } from "../../../service/src/core/pki";
import { makeSchoolPki, signerOf } from "../../helpers/pki";
import { overlappingWords, pdfPages, pdfText, pdfWords, popplerAvailable } from "../../helpers/pdf";

const poppler = popplerAvailable();
const LINK = "https://hocba.example.vn/#credential=https%3A%2F%2Fhocba.example.vn%2Fapi%2Fv1%2Fx";
const OPTIONS = { verifierLink: LINK, verifierPage: "https://hocba.example.vn/" };

function credentialOf(document: unknown, signature = "MAA="): PdfCredential {
  return {
    format: "hocba/1",
    document,
    signature,
    anchor: {
      chainId: 31337,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      merkleRoot: `0x${"ab".repeat(32)}`,
      leaf: `0x${"cd".repeat(32)}`,
      proof: [`0x${"01".repeat(32)}`],
      txHash: `0x${"ef".repeat(32)}`,
      blockNumber: 12,
      anchoredAt: "2024-06-05T01:02:03.000Z",
    },
  };
}

describe("what the PDF prints", () => {
  it("writes dates as dd/mm/yyyy in Vietnam time, scores with a decimal comma, and masks the citizen ID", () => {
    expect([
      vietnameseDate("2009-05-17"),
      vietnameseDateTime(new Date("2024-06-05T17:30:00Z")),
      formatScore(8.5),
      formatScore(9),
      formatScore("CĐ"),
      maskCitizenId("079309001234"),
    ]).toEqual(["17/05/2009", "06/06/2024 00:30", "8,5", "9,0", "CĐ", "•••••••••234"]);
  });

  it("attaches the credential exactly and refuses a document of no known type", async () => {
    const credential = credentialOf(makeTranscript({ seed: 5 }));
    const pdf = await renderTranscriptPdf(credential, OPTIONS);
    let refused: unknown;
    await renderTranscriptPdf(credentialOf({ type: "other" }), OPTIONS).catch((error: unknown) => {
      refused = error;
    });
    expect([await extractCredentialFromPdf(pdf), (refused as { code?: string }).code]).toEqual([
      credential,
      "SCHEMA_INVALID",
    ]);
  });

  it.runIf(poppler)(
    "lays out every school year of an upper-secondary transcript, one page per two years or so",
    async () => {
      const document = makeTranscript({ seed: 6, school: { level: "THPT" } });
      const pdf = await renderTranscriptPdf(credentialOf(document), OPTIONS);
      const text = pdfText(pdf);
      const pages = pdfPages(pdf);
      expect({
        title: text.includes("CẤP TRUNG HỌC PHỔ THÔNG"),
        years: document.years.map((y) => text.includes(`Lớp ${y.className} (khối ${y.grade})`)),
        subjects: document.years.every((y) => y.subjects.every((s) => text.includes(s.name))),
        fullId: text.includes(document.student.citizenId),
        masked: text.includes(maskCitizenId(document.student.citizenId)),
        signed: text.includes("HIỆU TRƯỞNG"),
        footer: text.includes(`trang ${pages}/${pages}`),
        pages: pages >= 2 && pages <= 3,
      }).toEqual({
        title: true,
        years: document.years.map(() => true),
        subjects: true,
        fullId: false,
        masked: true,
        signed: true,
        footer: true,
        pages: true,
      });
    },
  );

  it.runIf(poppler)("prints a graduation record with its decision, serial and registry numbers", async () => {
    const document = makeGraduation({ seed: 7 });
    const text = pdfText(await renderTranscriptPdf(credentialOf(document), OPTIONS));
    expect([
      text.includes("GIẤY CHỨNG NHẬN TỐT NGHIỆP"),
      text.includes(document.decision.number),
      text.includes(document.diplomaSerial),
      text.includes(document.registryNumber),
      text.includes(document.student.fullName.toUpperCase()),
      text.includes(document.student.citizenId),
      text.includes("TRƯỞNG PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"),
    ]).toEqual([true, true, true, true, true, false, true]);
  });

  it.runIf(poppler)(
    "prints every signer by role and name with the signing time, and no block over another (4 years, long remarks)",
    async () => {
      const pki = await makeSchoolPki("P-256");
      const document: Transcript = makeTranscript({ seed: 7 });
      const sentence =
        "Học sinh chăm ngoan, có ý thức tự giác trong học tập, tích cực tham gia các hoạt động tập thể; cần rèn luyện thêm kỹ năng trình bày. ";
      document.years.forEach((year, i) => (year.remarks = sentence.repeat([1, 9, 3, 6][i]!).trim()));
      const signedAt = new Date("2025-06-14T03:04:05Z");
      const cms = await signDetached(
        canonicalBytes(document),
        [signerOf(pki.principal, pki.intermediate), signerOf(pki.homeroom, pki.intermediate)],
        { signingTime: signedAt },
      );
      const pdf = await renderTranscriptPdf(
        credentialOf(document, Buffer.from(cms).toString("base64")),
        OPTIONS,
      );
      const words = pdfWords(pdf);
      const text = pdfText(pdf).replace(/\s+/g, " ");
      expect({
        signers: [
          "HIỆU TRƯỞNG",
          "Nguyễn Văn Hùng",
          "GIÁO VIÊN CHỦ NHIỆM",
          "Trần Thị Mai",
          "(Đã ký số lúc 14/06/2025 10:04)",
        ].map((part) => text.includes(part)),
        overlaps: overlappingWords(words),
        outside: words
          .filter((w) => w.xMin < 56 - 1 || w.xMax > 595.28 - 56 + 1 || w.yMax > 841.89 - 20)
          .map((w) => `p${w.page} ${w.text}`),
        masked: words.some((w) => w.text === maskCitizenId(document.student.citizenId)),
      }).toEqual({ signers: [true, true, true, true, true], overlaps: [], outside: [], masked: true });
    },
  );
});
