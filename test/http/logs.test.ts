/**
 * What the service logs of a whole session at LOG_LEVEL=trace: every line the app writes through
 * the pino options of service/src/http/logging.ts is captured while a school, a district office,
 * the administrator, a verifier and the public use every route that touches a secret or a person
 * (submit, batch, share, credential and PDF by token, search by name and birth date and by serial,
 * verify, verify batch, graduates import, issuer registration, and errors). No line may carry a
 * key, a token, a citizen ID, a name or a birth date of the session.
 */
import { Writable } from "node:stream";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import type { Transcript } from "../../service/src/core/documents";
import { errorLogView, loggerOptions, redactUrl, scrubLogLine } from "../../service/src/http/logging";
import type { Credential } from "../../service/src/issuance/credential";
import { settle, signedItem } from "../helpers/app";
import { schoolTranscript } from "../helpers/credentials";
import { graduateRow, registerDistrict, toCsv } from "../helpers/graduates";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { issue, type SchoolPki } from "../helpers/pki";

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer | string, _encoding, done) {
    lines.push(chunk.toString());
    done();
  },
});

let db: Database;
let pki: SchoolPki;
let t: ListeningApp;
/** Every secret and personal value the session handled. */
const secrets = new Set<string>();

beforeAll(async () => {
  t = await startListeningApp("logs", { loggerInstance: pino(loggerOptions("trace"), sink) });
  [db, pki] = [t.db, t.pki];
});
afterAll(() => t?.dispose());

/** A person's values as they may appear in a URL or a line: raw, URL-encoded, and the date as typed. */
function personal(fullName: string, dateOfBirth: string, citizenId: string): string[] {
  const [y, m, d] = dateOfBirth.split("-");
  const typed = `${d}/${m}/${y}`;
  return [fullName, encodeURIComponent(fullName), dateOfBirth, typed, encodeURIComponent(typed), citizenId];
}

describe("the logs of a whole session at trace level", () => {
  it("carry no key, token, citizen ID, name or birth date, while every request is logged", async () => {
    const { app } = t;
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const call = async (
      method: "GET" | "POST",
      url: string,
      headers: Record<string, string> = {},
      payload?: InjectOptions["payload"],
    ): Promise<LightMyRequestResponse> => {
      const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
      return res;
    };
    secrets.add(t.schoolKey).add(t.adminToken);

    // The administrator registers a school (its new API key comes back once) and a verifier key.
    const newSchool = await issue({
      subject: "CN=Trần Thị Lan, T=Hiệu trưởng, O=Trường THCS Lê Lợi, C=VN",
      issuer: pki.intermediate,
      keyAlgorithm: "P-256",
    });
    const registered = await call("POST", "/api/v1/admin/issuers", bearer(t.adminToken), {
      kind: "school",
      code: "79000799",
      name: "Trường THCS Lê Lợi",
      certificates: [newSchool.certificatePem + pki.intermediate.certificatePem],
    });
    const verifier = await call("POST", "/api/v1/admin/verifiers", bearer(t.adminToken), {
      label: "Phòng tuyển sinh",
    });
    secrets.add(registered.json<{ apiKey: string }>().apiKey).add(verifier.json<{ apiKey: string }>().apiKey);

    // The school submits one transcript, then a batch of two; all are anchored.
    const documents: Transcript[] = [schoolTranscript(9101), schoolTranscript(9102), schoolTranscript(9103)];
    for (const d of documents)
      for (const value of personal(d.student.fullName, d.student.dateOfBirth, d.student.citizenId))
        secrets.add(value);
    const submitted = await call(
      "POST",
      "/api/v1/transcripts",
      bearer(t.schoolKey),
      await signedItem(pki, documents[0]),
    );
    const batch = await call("POST", "/api/v1/transcripts/batch", bearer(t.schoolKey), {
      items: [await signedItem(pki, documents[1]), await signedItem(pki, documents[2])],
    });
    await settle(t.anchoring);

    // A share link; the credential and the PDF fetched with its token, as anyone holding it would.
    const id = documents[0]!.id;
    const share = await call("POST", `/api/v1/transcripts/${id}/share`, bearer(t.schoolKey));
    const token = share.json<{ token: string }>().token;
    secrets.add(token).add(encodeURIComponent(token));
    const credential = await call(
      "GET",
      `/api/v1/transcripts/${id}/credential?token=${encodeURIComponent(token)}`,
    );
    const pdf = await call("GET", `/api/v1/transcripts/${id}/pdf?token=${encodeURIComponent(token)}`);
    const credentials = await Promise.all(
      documents
        .slice(1)
        .map(async (d) =>
          (
            await call("GET", `/api/v1/transcripts/${d.id}/credential`, bearer(t.schoolKey))
          ).json<Credential>(),
        ),
    );

    // Verification, one and in a batch, anonymous and with the verifier key.
    const verified = await call("POST", "/api/v1/verify", {}, credential.json());
    const verifiedBatch = await call(
      "POST",
      "/api/v1/verify/batch",
      bearer(verifier.json<{ apiKey: string }>().apiKey),
      {
        credentials,
      },
    );

    // A district office imports its graduates; the public searches by name and birth date, and by serial.
    const district = await registerDistrict(db, pki);
    secrets.add(district.apiKey);
    const rows = [graduateRow(7001), graduateRow(7002)];
    for (const row of rows)
      for (const value of personal(row.fullName, row.dateOfBirth, row.citizenId)) secrets.add(value);
    const file = toCsv(rows);
    const imported = await call("POST", "/api/v1/graduates/import", bearer(district.apiKey), {
      file: file.toString("base64"),
      signature: await district.sign(file),
    });
    const [y, m, d] = rows[0]!.dateOfBirth.split("-");
    const byName = await call(
      "GET",
      `/api/v1/graduates/search?fullName=${encodeURIComponent(rows[0]!.fullName)}&dateOfBirth=${d}%2F${m}%2F${y}`,
    );
    const bySerial = await call("GET", `/api/v1/graduates/search?diplomaSerial=${rows[1]!.diplomaSerial}`);

    // Errors: a wrong token, a wrong key, the admin token where a key is expected, a malformed
    // body holding a name and a citizen ID, a NUL in a query, an unknown route with a token.
    const student = documents[0]!.student;
    const errors = [
      await call("GET", `/api/v1/transcripts/${id}/credential?token=${encodeURIComponent(token)}x`),
      await call("GET", `/api/v1/transcripts/${id}`, bearer(`${t.schoolKey}x`)),
      await call("GET", "/api/v1/graduates/search?fullName=x", bearer(t.adminToken + "y")),
      await call(
        "POST",
        "/api/v1/verify",
        { "content-type": "application/json" },
        `{"name":"${student.fullName}","id":"${student.citizenId}"`,
      ),
      await call(
        "GET",
        `/api/v1/graduates/search?fullName=${encodeURIComponent(student.fullName)}%00&dateOfBirth=${student.dateOfBirth}`,
      ),
      await call("GET", `/api/v1/nothing?token=${encodeURIComponent(token)}&citizenId=${student.citizenId}`),
    ];

    expect([
      registered.statusCode,
      verifier.statusCode,
      submitted.statusCode,
      batch.statusCode,
      share.statusCode,
      credential.statusCode,
      pdf.statusCode,
      verified.statusCode,
      verifiedBatch.json<{ results: unknown[] }>().results.length,
      imported.statusCode,
      byName.json<{ results: unknown[] }>().results.length,
      bySerial.json<{ results: unknown[] }>().results.length,
      errors.map((res) => res.statusCode),
    ]).toEqual([201, 201, 202, 207, 201, 200, 200, 200, 2, 201, 1, 1, [404, 401, 401, 400, 400, 404]]);

    const logged = lines.join("");
    const leaks = [...secrets].filter((secret) => logged.includes(secret));
    // Every request was logged, with the harmless parts of its URL.
    const urls = lines
      .map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url)
      .filter(Boolean);
    expect([leaks, urls]).toEqual([
      [],
      [
        "/api/v1/admin/issuers",
        "/api/v1/admin/verifiers",
        "/api/v1/transcripts",
        "/api/v1/transcripts/batch",
        `/api/v1/transcripts/${id}/share`,
        `/api/v1/transcripts/${id}/credential?token=<redacted>`,
        `/api/v1/transcripts/${id}/pdf?token=<redacted>`,
        `/api/v1/transcripts/${documents[1]!.id}/credential`,
        `/api/v1/transcripts/${documents[2]!.id}/credential`,
        "/api/v1/verify",
        "/api/v1/verify/batch",
        "/api/v1/graduates/import",
        "/api/v1/graduates/search?fullName=<redacted>&dateOfBirth=<redacted>",
        "/api/v1/graduates/search?diplomaSerial=<redacted>",
        `/api/v1/transcripts/${id}/credential?token=<redacted>`,
        `/api/v1/transcripts/${id}`,
        "/api/v1/graduates/search?fullName=<redacted>",
        "/api/v1/verify",
        "/api/v1/graduates/search?fullName=<redacted>&dateOfBirth=<redacted>",
        "/api/v1/nothing?token=<redacted>&citizenId=<redacted>",
      ],
    ]);
  });
});

describe("the log redaction", () => {
  it("keeps only the listed query parameters of a URL", () => {
    expect([
      redactUrl("/api/v1/chain/issuers/X/certificates/0x1?at=2024-01-01T00:00:00Z&token=abc&year=2024"),
      redactUrl("/?credential=%2Fapi%2Fv1%2Ftranscripts%2Fx%2Fcredential%3Ftoken%3Dabc"),
      redactUrl("/api/v1/graduates/search?schoolCode=79000701&flag&fullName="),
      redactUrl("/healthz"),
    ]).toEqual([
      "/api/v1/chain/issuers/X/certificates/0x1?at=2024-01-01T00:00:00Z&token=<redacted>&year=2024",
      "/?credential=<redacted>",
      "/api/v1/graduates/search?schoolCode=79000701&flag&fullName=<redacted>",
      "/healthz",
    ]);
  });

  it("blanks keys, device tokens, bearer tokens, random secrets, citizen IDs and query values in any written line", () => {
    const secret = "Q".repeat(43);
    const line = JSON.stringify({
      msg: `GET /x?token=${secret}&at=1 by hocba_i_0123456789ab_${secret} (device hocba_d_${secret}) with Bearer abc.def, id 079209001234`,
      responseTime: 12.123456789012,
      docHash: `0x${"a".repeat(64)}`,
    });
    expect(JSON.parse(scrubLogLine(line))).toEqual({
      msg: "GET /x?token=<redacted>&at=1 by hocba_i_0123456789ab_<redacted> (device hocba_d_<redacted>) with Bearer <redacted> id <redacted>",
      responseTime: 12.123456789012,
      docHash: `0x${"a".repeat(64)}`,
    });
  });

  it("logs an error as type, message, code and stack with its cause, never its other properties", () => {
    const database = Object.assign(new Error("duplicate key value violates unique constraint"), {
      code: "23505",
      detail: "Key (citizen_id)=(079209001234) already exists.",
      rawPacket: Buffer.from("GET / HTTP/1.1\r\nAuthorization: Bearer secret\r\n"),
    });
    const wrapped = new Error("insert failed", { cause: database });
    expect(errorLogView(wrapped)).toEqual({
      type: "Error",
      message: "insert failed",
      stack: wrapped.stack,
      cause: {
        type: "Error",
        message: "duplicate key value violates unique constraint",
        stack: database.stack,
        code: "23505",
      },
    });
  });
});
