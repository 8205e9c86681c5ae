/**
 * What people read, one definition for the PDF, the service and the pages: Vietnamese and English
 * dates in Vietnam time, scores, dates typed as ngày/tháng/năm, and signers by title and name.
 */
import { describe, expect, it } from "vitest";
import {
  formatDate,
  formatDateTime,
  formatScore,
  parseVietnameseDate,
  todayInVietnam,
  vietnameseDate,
  vietnameseDateTime,
} from "../../../service/src/core/documents/display";
import { signerName } from "../../../service/src/core/pki";

describe("dates and scores for people", () => {
  it("writes dates and times in Vietnam time, in Vietnamese and in English", () => {
    const late = new Date("2026-11-23T16:29:00Z"); // 23:29 in Vietnam
    const pastMidnight = new Date("2024-06-05T17:30:00Z"); // the next day in Vietnam
    expect([
      vietnameseDate("2009-05-17"),
      vietnameseDateTime(pastMidnight),
      formatDate("2009-05-17", "vi"),
      formatDate("2009-05-07", "en"),
      formatDate("not a date", "en"),
      formatDateTime(late, "vi"),
      formatDateTime(late.toISOString(), "en"),
      formatDateTime(pastMidnight, "en"),
      formatDateTime("yesterday", "vi"),
      todayInVietnam(pastMidnight),
      formatScore(8.5, "vi"),
      formatScore(9, "en"),
      formatScore("CĐ", "en"),
    ]).toEqual([
      "17/05/2009",
      "06/06/2024 00:30",
      "17/05/2009",
      "7 May 2009",
      "not a date",
      "23/11/2026 23:29 (giờ Việt Nam)",
      "23 Nov 2026, 23:29 (Vietnam time)",
      "06 Jun 2024, 00:30 (Vietnam time)",
      "yesterday",
      "2024-06-06",
      "8,5",
      "9.0",
      "CĐ",
    ]);
  });

  it("reads a date typed as ngày/tháng/năm (or YYYY-MM-DD) and refuses what is no day", () => {
    const typed = ["17/05/2009", "7/5/2009", " 17-05-2009 ", "17.5.2009", "2009-05-17", "2009-5-7"];
    const refused = [
      "31/02/2009",
      "29/02/2010",
      "17/13/2009",
      "00/05/2009",
      "05/17/2009x",
      "17/05/1899",
      "2009/05/17",
      "",
    ];
    expect([
      typed.map(parseVietnameseDate),
      refused.map(parseVietnameseDate),
      parseVietnameseDate("29/02/2008"),
    ]).toEqual([
      ["2009-05-17", "2009-05-07", "2009-05-17", "2009-05-17", "2009-05-17", "2009-05-07"],
      refused.map(() => undefined),
      "2008-02-29",
    ]);
  });
});

describe("signerName", () => {
  it("reads the name and title of a certificate subject, escapes included, and the subject without a CN", () => {
    expect([
      signerName("CN=Nguyễn Văn Hùng, title=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN"),
      signerName("C=VN, O=Trường THCS Demo\\, Quận 1, T=Giáo viên chủ nhiệm, CN=Phạm Thu Trang"),
      signerName("CN=Lê Văn An, O=Phòng GDĐT Quận 1"),
      signerName("O=Sở GDĐT, C=VN"),
    ]).toEqual([
      { name: "Nguyễn Văn Hùng", title: "Hiệu trưởng" },
      { name: "Phạm Thu Trang", title: "Giáo viên chủ nhiệm" },
      { name: "Lê Văn An" },
      { name: "O=Sở GDĐT, C=VN" },
    ]);
  });
});
