import { describe, expect, it } from "vitest";
import { ERROR_CODES, HocbaError, isHocbaError, toHocbaError } from "../../service/src/core/errors";
import { exitCodeFor } from "../../service/src/cli/exit-codes";

describe("HocbaError", () => {
  it("serialises to the error envelope body with code, message and details", () => {
    const error = new HocbaError("SCHEMA_INVALID", "document does not match", {
      details: [{ path: "/student/citizenId", code: "CCCD_FORMAT" }],
    });
    expect(error.toJSON()).toEqual({
      code: "SCHEMA_INVALID",
      message: "document does not match",
      details: [{ path: "/student/citizenId", code: "CCCD_FORMAT" }],
    });
  });

  it("omits details from the body when there are none", () => {
    expect(new HocbaError("NOT_FOUND", "no such transcript").toJSON()).toEqual({
      code: "NOT_FOUND",
      message: "no such transcript",
    });
  });

  it("is recognised by shape when it crosses a module copy", () => {
    const foreign = Object.assign(new Error("x"), { name: "HocbaError", code: "FORBIDDEN" });
    expect(isHocbaError(foreign)).toBe(true);
    expect(isHocbaError(Object.assign(new Error("x"), { name: "HocbaError", code: "NOPE" }))).toBe(false);
    expect(isHocbaError(new Error("plain"))).toBe(false);
  });

  it("wraps anything that is not a HocbaError as INTERNAL and keeps the cause", () => {
    const cause = new TypeError("boom");
    const wrapped = toHocbaError(cause);
    expect([wrapped.code, wrapped.message, wrapped.cause]).toEqual(["INTERNAL", "boom", cause]);
  });
});

describe("CLI exit codes", () => {
  it("gives every error code its own exit code, none of them 0 or 1", () => {
    const exits = ERROR_CODES.map(exitCodeFor);
    expect(new Set(exits).size).toBe(ERROR_CODES.length);
    expect(exits.filter((c) => c === 0 || c === 1)).toEqual([]);
  });
});
