/**
 * Citizens' own records and share links over HTTP, with the real embedded OpenID Provider
 * (test/helpers/staff.ts): a graduate signs in with a citizen ID claim, sees only their records,
 * makes a share link without the citizen ID and ethnicity that opens a reduced credential that
 * verifies, revokes it, reads the access log; a guardian sees their child's; every refusal has its
 * code (docs/citizens.md).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disclose } from "../../service/src/core/documents/disclosure";
import type { DemoCitizen } from "../../service/src/server/staff-sign-in";
import { schoolTranscript } from "../helpers/credentials";
import { submitAnchoredTranscripts } from "../helpers/listening-app";
import { CITIZEN_PATHS, citizenSignedIn, HttpBrowser, startStaffApp, studentCitizen } from "../helpers/staff";
import type { StaffApp } from "../helpers/staff";

const anyString = expect.any(String) as unknown;
const alice = schoolTranscript(1401);
const bob = schoolTranscript(1402);
const CITIZENS: DemoCitizen[] = [
  studentCitizen("alice", "alice-pw-1", alice),
  studentCitizen("bob", "bob-pw-2", bob),
  {
    username: "parent",
    password: "parent-pw-3",
    name: "Nguyễn Thị Hoa",
    citizenId: "001185123456",
    guardianOf: [alice.student.citizenId],
  },
];

describe("citizens' records and share links", { timeout: 120_000 }, () => {
  let s: StaffApp;
  let base: string;
  const signedIn = (login: string, password: string) => citizenSignedIn(base, login, password);
  const json = (csrf: string) => ({ "content-type": "application/json", "x-csrf-token": csrf });

  beforeAll(async () => {
    s = await startStaffApp("http-citizens", { citizens: CITIZENS, pagesDir: null });
    base = s.api.url;
    // The school's signer on the chain's allow list, as a registered school's certificate is.
    await submitAnchoredTranscripts(s.api, [alice, bob]);
  }, 300_000);
  afterAll(async () => {
    await s?.dispose();
  });

  it("shows a signed-in graduate their own transcript only, with its status and what may be withheld", async () => {
    const { me } = await signedIn("alice", "alice-pw-1");
    expect(me).toEqual({
      name: alice.student.fullName,
      citizenId: `•••••••••${alice.student.citizenId.slice(-3)}`,
      guardianOf: [],
      csrfToken: anyString,
      expiresAt: anyString,
      records: [
        {
          id: alice.id,
          type: "hocba.transcript/v1",
          relation: "self",
          studentName: alice.student.fullName,
          dateOfBirth: alice.student.dateOfBirth,
          issuerCode: "79000701",
          issuerName: alice.school.name,
          schoolName: alice.school.name,
          status: "anchored",
          supersededBy: null,
          revokedAt: null,
          anchoredAt: anyString,
          years: alice.years.map((y) => ({ schoolYear: y.schoolYear, grade: y.grade })),
          withholdable: [
            "citizenId",
            "ethnicity",
            "placeOfBirth",
            ...alice.years.map((_y, i) => `years/${i}`),
          ],
        },
      ],
      shares: [],
    });
  });

  it("shows a guardian their child's records, marked as the child's", async () => {
    const { me } = await signedIn("parent", "parent-pw-3");
    expect(me.records.map((r) => [r.id, (r as unknown as { relation: string }).relation])).toEqual([
      [alice.id, "child"],
    ]);
  });

  it("refuses without a citizen session (401 UNAUTHORIZED), and a staff session is not a citizen's", async () => {
    const anonymous = await fetch(`${base}/api/v1/me/records`);
    const staff = new HttpBrowser();
    await staff.signIn(base, "giaovu", s.staff.find((p) => p.username === "giaovu")!.password);
    const asStaff = await staff.fetch(`${base}/api/v1/me/records`);
    expect([anonymous.status, ((await anonymous.json()) as { error: { code: string } }).error.code]).toEqual([
      401,
      "UNAUTHORIZED",
    ]);
    expect([asStaff.status, ((await asStaff.json()) as { error: { code: string } }).error.code]).toEqual([
      401,
      "UNAUTHORIZED",
    ]);
  });

  it("refuses a sign-in whose provider sends no citizen ID (400 CITIZEN_ID_MISSING) and opens no session", async () => {
    const browser = new HttpBrowser();
    const { callback } = await browser.signInUntilCallback(
      base,
      "giaovu",
      s.staff.find((p) => p.username === "giaovu")!.password,
      CITIZEN_PATHS,
    );
    const res = await browser.fetch(callback);
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      "CITIZEN_ID_MISSING",
    ]);
    expect(browser.cookies.has("hocba_citizen_session")).toBe(false);
  });

  it("answers NOT_FOUND for another citizen's record, as for an id that does not exist", async () => {
    const { browser, csrf } = await signedIn("alice", "alice-pw-1");
    const credential = await browser.fetch(`${base}/api/v1/me/records/${bob.id}/credential`);
    const pdf = await browser.fetch(`${base}/api/v1/me/records/${bob.id}/pdf`);
    const share = await browser.fetch(`${base}/api/v1/me/shares`, {
      method: "POST",
      headers: json(csrf),
      body: JSON.stringify({ documentId: bob.id, withhold: [] }),
    });
    expect(
      await Promise.all(
        [credential, pdf, share].map(async (r) => [
          r.status,
          ((await r.json()) as { error: { code: string } }).error.code,
        ]),
      ),
    ).toEqual([
      [404, "NOT_FOUND"],
      [404, "NOT_FOUND"],
      [404, "NOT_FOUND"],
    ]);
  });

  it("refuses bad share requests: no CSRF token, an unknown part, a year the transcript lacks, an expiry out of range", async () => {
    const { browser, csrf } = await signedIn("alice", "alice-pw-1");
    const post = (body: unknown, headers: Record<string, string> = json(csrf)) =>
      browser
        .fetch(`${base}/api/v1/me/shares`, { method: "POST", headers, body: JSON.stringify(body) })
        .then(async (r) => [r.status, ((await r.json()) as { error: { code: string } }).error.code]);
    expect([
      await post({ documentId: alice.id, withhold: [] }, { "content-type": "application/json" }),
      await post({ documentId: alice.id, withhold: ["nationality"] }),
      await post({ documentId: alice.id, withhold: ["years/9"] }),
      await post({ documentId: alice.id, withhold: [], expiresInDays: 0 }),
      await post({ documentId: alice.id, withhold: [], expiresInDays: 366 }),
    ]).toEqual([
      [403, "CSRF_INVALID"],
      [400, "SCHEMA_INVALID"],
      [400, "DISCLOSURE_INVALID"],
      [400, "SCHEMA_INVALID"],
      [400, "SCHEMA_INVALID"],
    ]);
  });

  it("makes a 7-day link without the citizen ID and ethnicity that verifies, logs each opening, and is refused once revoked", async () => {
    const { browser, csrf } = await signedIn("alice", "alice-pw-1");
    const created = await browser.fetch(`${base}/api/v1/me/shares`, {
      method: "POST",
      headers: json(csrf),
      body: JSON.stringify({ documentId: alice.id, withhold: ["citizenId", "ethnicity"], expiresInDays: 7 }),
    });
    const { share, token, url } = (await created.json()) as {
      share: { id: string; expiresAt: string; createdAt: string };
      token: string;
      url: string;
    };
    expect(created.status).toBe(201);
    expect(Date.parse(share.expiresAt) - Date.parse(share.createdAt)).toBe(7 * 86_400_000);
    const credentialUrl = decodeURIComponent(url.split("#credential=")[1]!);
    expect(credentialUrl).toBe(`${base}/api/v1/shares/credential?token=${encodeURIComponent(token)}`);

    const opened = await fetch(credentialUrl, { headers: { "user-agent": "curl/8.5.0" } });
    const credential = (await opened.json()) as { format: string; document: never; disclosures: string[] };
    const verdict = await s.api.app.inject({ method: "POST", url: "/api/v1/verify", payload: credential });
    expect([
      opened.status,
      credential.format,
      disclose(credential.document, credential.disclosures).withheld,
      verdict
        .json<{ verdict: string; checks: { name: string; status: string; message: string }[] }>()
        .checks.filter((c) => c.status !== "valid")
        .map((c) => `${c.name}:${c.status}:${c.message}`)
        .join(" / ") || "valid",
    ]).toEqual([200, "hocba/2", ["/student/citizenId", "/student/ethnicity"], "valid"]);

    const revoked = await browser.fetch(`${base}/api/v1/me/shares/${share.id}/revoke`, {
      method: "POST",
      headers: { "x-csrf-token": csrf },
    });
    expect([revoked.status, ((await revoked.json()) as { state: string }).state]).toEqual([200, "revoked"]);
    const refused = await fetch(credentialUrl); // Node.js fetch: a command-line client
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([
      410,
      "SHARE_REVOKED",
    ]);

    const log = await browser.fetch(`${base}/api/v1/me/shares/${share.id}/accesses`);
    expect(await log.json()).toEqual({
      accesses: [
        { at: anyString, clientKind: "cli", network: "127.0.0.0/24", outcome: "revoked" },
        { at: anyString, clientKind: "cli", network: "127.0.0.0/24", outcome: "opened" },
      ],
    });
    const { rows } = await s.api.db.query("SELECT * FROM share_accesses WHERE share_id = $1", [share.id]);
    expect(Object.keys(rows[0] as object).sort()).toEqual([
      "accessed_at",
      "client_kind",
      "id",
      "network",
      "outcome",
      "share_id",
    ]);
  });

  it("refuses an expired link with 410 SHARE_EXPIRED, and another citizen cannot read or revoke the link", async () => {
    const { browser, csrf } = await signedIn("alice", "alice-pw-1");
    const created = await browser.fetch(`${base}/api/v1/me/shares`, {
      method: "POST",
      headers: json(csrf),
      body: JSON.stringify({ documentId: alice.id, withhold: [] }),
    });
    const { share, token } = (await created.json()) as { share: { id: string }; token: string };
    await s.api.db.query(
      "UPDATE shares SET created_at = now() - interval '31 days', expires_at = now() - interval '1 day' WHERE id = $1",
      [share.id],
    );
    const expired = await fetch(`${base}/api/v1/shares/credential?token=${encodeURIComponent(token)}`);
    const unknown = await fetch(`${base}/api/v1/shares/credential?token=not-a-token`);
    const other = await signedIn("bob", "bob-pw-2");
    const log = await other.browser.fetch(`${base}/api/v1/me/shares/${share.id}/accesses`);
    const revoke = await other.browser.fetch(`${base}/api/v1/me/shares/${share.id}/revoke`, {
      method: "POST",
      headers: { "x-csrf-token": other.csrf },
    });
    expect(
      await Promise.all(
        [expired, unknown, log, revoke].map(async (r) => [
          r.status,
          ((await r.json()) as { error: { code: string } }).error.code,
        ]),
      ),
    ).toEqual([
      [410, "SHARE_EXPIRED"],
      [404, "NOT_FOUND"],
      [404, "NOT_FOUND"],
      [404, "NOT_FOUND"],
    ]);
  });

  it("downloads the whole credential and the PDF, whose QR code opens a share link listed as kind pdf", async () => {
    const { browser } = await signedIn("alice", "alice-pw-1");
    const credential = await browser.fetch(`${base}/api/v1/me/records/${alice.id}/credential`);
    const pdf = await browser.fetch(`${base}/api/v1/me/records/${alice.id}/pdf`);
    const me = (await (await browser.fetch(`${base}/api/v1/me/records`)).json()) as {
      shares: { kind: string; withhold: string[]; state: string }[];
    };
    const body = (await credential.json()) as { disclosures: string[]; document: never };
    expect([
      credential.status,
      disclose(body.document, body.disclosures).withheld,
      pdf.status,
      pdf.headers.get("content-type"),
      me.shares.filter((sh) => sh.kind === "pdf").map((sh) => [sh.withhold, sh.state]),
    ]).toEqual([200, [], 200, "application/pdf", [[[], "active"]]]);
  });
});
