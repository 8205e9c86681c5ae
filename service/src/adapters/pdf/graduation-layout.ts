/**
 * The layout of a THCS graduation record (hocba.graduation/v1): the district office, the title, the
 * student, then the graduation year, the recognition decision, the diploma serial and registry
 * number, and the classification when the record has one.
 */
import type { Graduation } from "../../core/documents";
import { vietnameseDate } from "../../core/documents/display";
import { GRADUATION_TYPE } from "../../core/documents/schema";
import { header, studentBlock, title } from "./blocks";
import type { DocumentLayout } from "./document-layout";
import { MARGIN, type PageCursor } from "./page-cursor";

function graduationBlock(cursor: PageCursor, doc: Graduation): void {
  cursor.fields([["Năm tốt nghiệp", String(doc.graduationYear), MARGIN.left]]);
  cursor.fields([
    ["Quyết định công nhận tốt nghiệp số", doc.decision.number, MARGIN.left],
    ["ngày", vietnameseDate(doc.decision.date), MARGIN.left + 330],
  ]);
  cursor.fields([
    ["Số hiệu văn bằng", doc.diplomaSerial, MARGIN.left],
    ["Số vào sổ cấp bằng", doc.registryNumber, MARGIN.left + 250],
  ]);
  if (doc.classification) cursor.fields([["Xếp loại", doc.classification, MARGIN.left]]);
}

export const graduationLayout: DocumentLayout<Graduation> = {
  type: GRADUATION_TYPE,
  kind: "chứng nhận tốt nghiệp số",
  body(cursor, document, kind) {
    // The authority that decided the record: the department since 2025, else the district office.
    header(cursor, document.decidedBy?.name ?? document.district.name, undefined);
    title(cursor, "GIẤY CHỨNG NHẬN TỐT NGHIỆP", "TRUNG HỌC CƠ SỞ", document.id, kind);
    studentBlock(cursor, document.student, `${document.school.name} (mã trường ${document.school.code})`);
    graduationBlock(cursor, document);
  },
  place: () => undefined,
  defaultSignerRole: "Trưởng phòng Giáo dục và Đào tạo",
  signedBy: "được lập từ danh sách công nhận tốt nghiệp do phòng giáo dục ký số",
  title: (document) => `Chứng nhận tốt nghiệp THCS - ${document.student.fullName}`,
  author: (document) => document.decidedBy?.name ?? document.district.name,
};
