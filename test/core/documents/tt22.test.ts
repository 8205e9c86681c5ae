import { describe, expect, it } from "vitest";
import {
  hasOneDecimalAtMost,
  learningResult,
  yearAverage,
  type YearSubjectResult,
} from "../../../service/src/core/documents/tt22";

const score = (year: number): YearSubjectResult => ({ assessment: "score", year });
const comment = (year: "Đ" | "CĐ"): YearSubjectResult => ({ assessment: "comment", year });
const passed = [comment("Đ"), comment("Đ"), comment("Đ"), comment("Đ"), comment("Đ")];
/** `n` scored subjects at `high` and the rest (up to 8) at `low`, plus five comment subjects Đ. */
const year = (n: number, high: number, low: number, comments = passed) => [
  ...Array.from({ length: n }, () => score(high)),
  ...Array.from({ length: 8 - n }, () => score(low)),
  ...comments,
];

describe("learning result (Thông tư 22)", () => {
  it("is Tốt with six scored subjects at exactly 8.0 and the rest at exactly 6.5", () => {
    expect(learningResult(year(6, 8.0, 6.5))).toBe("Tốt");
  });

  it("is Khá, not Tốt, with only five scored subjects at 8.0 or more", () => {
    expect(learningResult(year(5, 9.5, 7.9))).toBe("Khá");
  });

  it("is Khá, not Tốt, when one scored subject is 6.4 though six are ≥ 8.0", () => {
    expect(learningResult([...year(7, 9.0, 9.0).slice(1), score(6.4)])).toBe("Khá");
  });

  it("is Khá with six scored subjects at exactly 6.5 and the rest at exactly 5.0", () => {
    expect(learningResult(year(6, 6.5, 5.0))).toBe("Khá");
  });

  it("is Đạt, not Khá, with only five scored subjects at 6.5 or more", () => {
    expect(learningResult(year(5, 6.5, 6.4))).toBe("Đạt");
  });

  it("is Đạt, not Khá, when one scored subject is 4.9", () => {
    expect(learningResult([...year(8, 7.0, 7.0).slice(1), score(4.9)])).toBe("Đạt");
  });

  it("is Đạt, not Tốt, with one comment subject CĐ and otherwise excellent scores", () => {
    expect(learningResult(year(8, 10, 10, [comment("CĐ"), ...passed.slice(1)]))).toBe("Đạt");
  });

  it("is Chưa đạt with two comment subjects CĐ", () => {
    expect(learningResult(year(8, 10, 10, [comment("CĐ"), comment("CĐ"), ...passed.slice(2)]))).toBe(
      "Chưa đạt",
    );
  });

  it("is Đạt with a score of exactly 3.5 and six at 5.0", () => {
    expect(learningResult([...year(6, 5.0, 5.0).slice(0, 7), score(3.5), ...passed])).toBe("Đạt");
  });

  it("is Chưa đạt with a single score of 3.4, whatever the others", () => {
    expect(learningResult([...year(7, 10, 10).slice(0, 7), score(3.4), ...passed])).toBe("Chưa đạt");
  });

  it("is Chưa đạt with only five scored subjects at 5.0 or more", () => {
    expect(learningResult(year(5, 5.0, 4.9))).toBe("Chưa đạt");
  });

  it("counts subjects, so fewer than six scored subjects can never reach Tốt, Khá or Đạt", () => {
    expect(learningResult([score(10), score(10), score(10), score(10), score(10), ...passed])).toBe(
      "Chưa đạt",
    );
  });

  it("treats a binary near-miss such as 6.499999999999999 as the one-decimal score 6.5", () => {
    expect(learningResult(year(6, 8.0, 6.499999999999999))).toBe("Tốt");
  });

  it("counts a scored subject without a number as 0 and a comment subject without Đ as CĐ", () => {
    expect([
      learningResult([...year(8, 9, 9).slice(1), { assessment: "score", year: "Đ" }]),
      learningResult([...year(8, 9, 9, passed.slice(1)), { assessment: "comment", year: 9 }]),
    ]).toEqual(["Chưa đạt", "Đạt"]);
  });
});

describe("year average", () => {
  it.each([
    [8.5, 9.0, 8.8],
    [7.0, 8.0, 7.7],
    [6.4, 6.5, 6.5],
    [6.5, 6.4, 6.4],
    [10, 10, 10],
    [0, 0, 0],
    [5.0, 5.1, 5.1],
    [9.9, 9.8, 9.8],
    [3.2, 4.5, 4.1],
  ])("is (%s + 2 × %s) / 3 = %s", (term1, term2, expected) => {
    expect(yearAverage(term1, term2)).toBe(expected);
  });
});

describe("score precision", () => {
  it.each([[8], [8.3], [0.1], [9.9], [10]])("accepts %s as at most one decimal", (value) => {
    expect(hasOneDecimalAtMost(value)).toBe(true);
  });
  it.each([[8.25], [0.05], [9.99]])("rejects %s as more than one decimal", (value) => {
    expect(hasOneDecimalAtMost(value)).toBe(false);
  });
});
