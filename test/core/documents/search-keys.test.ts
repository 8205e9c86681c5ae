import { describe, expect, it } from "vitest";
import { nameKey, serialKey } from "../../../service/src/core/documents";

describe("search keys of the graduation lookup", () => {
  it("fold a name to lower case without accents, đ to d, single spaces, whatever the Unicode form", () => {
    const nfd = "Nguyễn Thị Ánh".normalize("NFD");
    expect([
      nameKey("Nguyễn Thị Ánh"),
      nameKey(nfd),
      nameKey("  NGUYEN   thi\tanh "),
      nameKey("Đặng Văn Đức"),
      nameKey("Lưu Hữu Phước"),
    ]).toEqual(["nguyen thi anh", "nguyen thi anh", "nguyen thi anh", "dang van duc", "luu huu phuoc"]);
  });

  it("fold a diploma serial to upper case without spaces", () => {
    expect([serialKey(" a 0123456 "), serialKey("TN-2024/001")]).toEqual(["A0123456", "TN-2024/001"]);
  });
});
