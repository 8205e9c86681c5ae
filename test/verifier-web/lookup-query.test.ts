/**
 * The lookup page's own rules, outside the browser: what the form accepts and sends, how a 429
 * is read, and the in-browser Merkle check of a search result's anchor.
 */
import { describe, expect, it } from "vitest";
import { buildMerkleTree } from "../../service/src/core/merkle";
import { retryAfterSeconds, searchGraduates, type GraduateAnchor } from "../../verifier-web/src/lookup/api";
import { checkAnchorProof } from "../../verifier-web/src/lookup/proof";
import {
  checkNameSearch,
  checkSerialSearch,
  parseDateInput,
  serialFromFragment,
  serialLink,
  todayInVietnam,
  type QueryCheck,
} from "../../verifier-web/src/lookup/query";
import { sampleLeaves } from "../helpers/leaves";

const NOW = new Date("2026-11-23T20:00:00Z"); // 24 November 2026, 03:00 in Vietnam

/** A query check as plain data: the query string, or the field errors. */
function plain(check: QueryCheck): unknown {
  return check.ok ? { ok: true, query: check.params.toString() } : check;
}

const name = (fields: Partial<Parameters<typeof checkNameSearch>[0]>) =>
  plain(checkNameSearch({ fullName: "", dateOfBirth: "", year: "", schoolCode: "", ...fields }, NOW));

describe("parseDateInput", () => {
  it("reads the date picker's YYYY-MM-DD and the DD/MM/YYYY Vietnamese people type", () => {
    expect(
      ["2009-05-17", "17/05/2009", "17/5/2009", "7-5-2009", "17.05.2009", " 17/05/2009 "].map(parseDateInput),
    ).toEqual(["2009-05-17", "2009-05-17", "2009-05-17", "2009-05-07", "2009-05-17", "2009-05-17"]);
  });

  it("refuses dates that do not exist and text that is not a date", () => {
    expect(
      ["31/02/2009", "29/02/2010", "2009-13-01", "00/05/2009", "17/05/1899", "17052009", "", "hôm qua"].map(
        parseDateInput,
      ),
    ).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it("accepts 29 February in a leap year", () => {
    expect(parseDateInput("29/02/2008")).toBe("2008-02-29");
  });
});

describe("todayInVietnam", () => {
  it("is already the next day in Vietnam at 20:00 UTC", () => {
    expect(todayInVietnam(NOW)).toBe("2026-11-24");
  });
});

describe("checkNameSearch", () => {
  it("sends the name with its white space tidied and the date of birth as YYYY-MM-DD", () => {
    expect(name({ fullName: "  nguyen   thi  anh ", dateOfBirth: "17/05/2009" })).toEqual({
      ok: true,
      query: "fullName=nguyen+thi+anh&dateOfBirth=2009-05-17",
    });
  });

  it("adds the graduation year and school code only when given", () => {
    expect(
      name({ fullName: "Nguyễn Thị Ánh", dateOfBirth: "2009-05-17", year: " 2024 ", schoolCode: "79000701" }),
    ).toEqual({
      ok: true,
      query:
        "fullName=Nguy%E1%BB%85n+Th%E1%BB%8B+%C3%81nh&dateOfBirth=2009-05-17&year=2024&schoolCode=79000701",
    });
  });

  it("asks for both the name and the date of birth before sending anything", () => {
    expect(name({})).toEqual({
      ok: false,
      errors: [
        { field: "fullName", problem: "required" },
        { field: "dateOfBirth", problem: "required" },
      ],
    });
  });

  it("names every wrong field at once", () => {
    expect(name({ fullName: "A", dateOfBirth: "31/02/2009", year: "24", schoolCode: "79 000" })).toEqual({
      ok: false,
      errors: [
        { field: "fullName", problem: "tooShort" },
        { field: "dateOfBirth", problem: "dateInvalid" },
        { field: "year", problem: "yearInvalid" },
        { field: "schoolCode", problem: "schoolCodeInvalid" },
      ],
    });
  });

  it("refuses a birth date after today in Vietnam and a graduation year after next year", () => {
    expect(name({ fullName: "Lê Văn Tâm", dateOfBirth: "2026-11-25", year: "2028" })).toEqual({
      ok: false,
      errors: [
        { field: "dateOfBirth", problem: "dateInFuture" },
        { field: "year", problem: "yearInvalid" },
      ],
    });
  });
});

describe("checkSerialSearch", () => {
  it("sends the serial without the spaces people copy into it", () => {
    expect(plain(checkSerialSearch({ diplomaSerial: " A 0123456 " }))).toEqual({
      ok: true,
      query: "diplomaSerial=A0123456",
    });
  });

  it("asks for a serial and refuses one with other characters than letters, digits and . / -", () => {
    expect([
      checkSerialSearch({ diplomaSerial: "  " }),
      checkSerialSearch({ diplomaSerial: "A01%" }),
    ]).toEqual([
      { ok: false, errors: [{ field: "diplomaSerial", problem: "required" }] },
      { ok: false, errors: [{ field: "diplomaSerial", problem: "serialInvalid" }] },
    ]);
  });
});

describe("serialLink and serialFromFragment", () => {
  it("make and read the link a printed confirmation carries, the serial in the fragment only", () => {
    const link = serialLink("https://hocba.example.vn", "ĐH/2024-01");
    expect({
      link,
      back: serialFromFragment(new URL(link).hash),
      none: [serialFromFragment(""), serialFromFragment("#so-hieu="), serialFromFragment("#other=1")],
    }).toEqual({
      link: "https://hocba.example.vn/tra-cuu#so-hieu=%C4%90H%2F2024-01",
      back: "ĐH/2024-01",
      none: [undefined, undefined, undefined],
    });
  });
});

describe("searchGraduates", () => {
  const respond =
    (status: number, body: unknown, headers: Record<string, string> = {}): typeof fetch =>
    () =>
      Promise.resolve(
        new Response(JSON.stringify(body), {
          status,
          headers: { "content-type": "application/json", ...headers },
        }),
      );
  const params = new URLSearchParams({ diplomaSerial: "A0123456" });

  it("reads results, a 429 with its Retry-After, a refused query, a failing service and no network", async () => {
    const outcomes = await Promise.all([
      searchGraduates(params, respond(200, { results: [] })),
      searchGraduates(
        params,
        respond(
          429,
          { error: { code: "RATE_LIMITED", message: "retry in 7 minutes" } },
          { "retry-after": "420" },
        ),
      ),
      searchGraduates(
        params,
        respond(400, { error: { code: "SCHEMA_INVALID", message: "fullName needs dateOfBirth" } }),
      ),
      searchGraduates(params, respond(503, { error: { code: "UNAVAILABLE", message: "down" } })),
      searchGraduates(params, () => Promise.reject(new TypeError("Failed to fetch"))),
    ]);
    expect(outcomes).toEqual([
      { kind: "results", results: [] },
      { kind: "rateLimited", retryAfterSeconds: 420 },
      { kind: "refused", message: "fullName needs dateOfBirth" },
      { kind: "failed", status: 503 },
      { kind: "failed", status: undefined },
    ]);
  });

  it("asks the search route on the page's own origin, without cookies", async () => {
    const calls: unknown[] = [];
    await searchGraduates(params, (url, init) => {
      calls.push({ url, init });
      return Promise.resolve(new Response('{"results":[]}', { status: 200 }));
    });
    expect(calls).toEqual([
      {
        url: "/api/v1/graduates/search?diplomaSerial=A0123456",
        init: { headers: { accept: "application/json" }, credentials: "omit" },
      },
    ]);
  });
});

describe("retryAfterSeconds", () => {
  it("reads seconds or an HTTP date, and nothing from an absent header", () => {
    const now = Date.parse("2026-11-23T10:00:00Z");
    expect([
      retryAfterSeconds("90", now),
      retryAfterSeconds("Mon, 23 Nov 2026 10:05:00 GMT", now),
      retryAfterSeconds(null, now),
      retryAfterSeconds("soon", now),
    ]).toEqual([90, 300, undefined, undefined]);
  });
});

describe("checkAnchorProof", () => {
  const leaves = sampleLeaves(5);
  const tree = buildMerkleTree(leaves);
  const anchor = (index: number, overrides: Partial<GraduateAnchor> = {}): GraduateAnchor => ({
    merkleRoot: tree.root,
    leaf: tree.leaves[index]!,
    proof: tree.proof(index),
    txHash: `0x${"ab".repeat(32)}`,
    blockNumber: 12,
    anchoredAt: "2024-06-21T03:00:00.000Z",
    chainId: 31337,
    registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    ...overrides,
  });

  it("accepts every leaf's proof of a batch, and a one-document batch whose leaf is the root", () => {
    const single = buildMerkleTree([leaves[0]!]);
    expect([
      ...leaves.map((_, i) => checkAnchorProof(anchor(i))),
      checkAnchorProof(anchor(0, { merkleRoot: single.root, proof: [] })),
    ]).toEqual(["valid", "valid", "valid", "valid", "valid", "valid"]);
  });

  it("refuses another leaf, another root, a truncated proof and garbled hex", () => {
    expect([
      checkAnchorProof(anchor(0, { leaf: tree.leaves[1]! })),
      checkAnchorProof(anchor(0, { merkleRoot: tree.leaves[4]! })),
      checkAnchorProof(anchor(0, { proof: tree.proof(0).slice(1) })),
      checkAnchorProof(anchor(0, { proof: ["0x1234"] })),
    ]).toEqual(["invalid", "invalid", "invalid", "invalid"]);
  });
});
