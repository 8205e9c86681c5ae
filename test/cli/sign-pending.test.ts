/**
 * `hocba sign-pending` against the listening test API: a homeroom teacher signs their class with a
 * .p12 and the principal with a key on a SoftHSM2 token, each through a device token they made in
 * the workspace; the drafts end up submitted with both signatures in one CMS. Declining, a missing
 * token, a revoked token and nothing to sign each answer as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signPending } from "../../service/src/cli/commands/sign-pending";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { parseDetachedSignedData } from "../../service/src/core/pki/cms";
import { XLSX_TYPE } from "../../service/src/http/routes/drafts";
import { captureIo, commandError } from "../helpers/cli";
import { openssl, tempDir } from "../helpers/files";
import { startListeningApp, type ListeningApp } from "../helpers/listening-app";
import { fingerprintOf, SCHOOL_CODE } from "../helpers/pki";
import {
  certify,
  createToken,
  generateKeyPair,
  SOFTHSM_MODULE,
  softhsmAvailable,
  USER_PIN,
  writeCertificate,
} from "../helpers/softhsm";
import { sessionFor, TEST_SESSION_POLICY, type TestSession } from "../helpers/staff";
import { testClass, xlsxOf } from "../helpers/workbook";

const available = softhsmAvailable();
const tmp = tempDir("sign-pending");
let api: ListeningApp;
let homeroom: TestSession;
let principal: TestSession;
let homeroomToken: string;
let principalToken: string;
let p12Path: string;
let chainPath: string;
let ids: string[];

async function deviceToken(session: TestSession): Promise<{ token: string; id: string }> {
  const res = await fetch(`${api.url}/api/v1/staff/device-tokens`, {
    method: "POST",
    headers: { ...session.headers(), "content-type": "application/json" },
    body: JSON.stringify({ label: "trạm ký" }),
  });
  return (await res.json()) as { token: string; id: string };
}

beforeAll(async () => {
  api = await startListeningApp("sign-pending", {
    staffSignIn: { policy: TEST_SESSION_POLICY, secureCookies: false },
  });
  const { db, pki } = api;
  await db.query(
    `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
     VALUES ($1, $2, $3, 'homeroom', 'homeroom', now() - interval '1 day')`,
    [SCHOOL_CODE, fingerprintOf(pki.homeroom), pki.homeroom.certificate],
  );
  await db.query("UPDATE issuers SET required_roles = '{homeroom,principal}' WHERE code = $1", [SCHOOL_CODE]);
  homeroom = await sessionFor(db, {
    subject: "gvcn",
    name: "Trần Thị Mai",
    school: SCHOOL_CODE,
    roles: ["homeroom"],
    classes: ["9P1"],
  });
  principal = await sessionFor(db, {
    subject: "ht",
    name: "Nguyễn Văn Hùng",
    school: SCHOOL_CODE,
    roles: ["principal"],
  });
  homeroomToken = (await deviceToken(homeroom)).token;
  principalToken = (await deviceToken(principal)).token;
  p12Path = tmp.path("homeroom.p12");
  chainPath = tmp.write("intermediate.pem", pki.intermediate.certificatePem);
  openssl(
    "pkcs12", "-export", "-out", p12Path, "-passout", "pass:gvcn",
    "-inkey", tmp.write("homeroom.key", pki.homeroom.privateKeyPkcs8Pem),
    "-in", tmp.write("homeroom.pem", pki.homeroom.certificatePem), "-certfile", chainPath,
  ); // prettier-ignore
  const imported = await fetch(`${api.url}/api/v1/drafts/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${api.schoolKey}`, "content-type": XLSX_TYPE },
    body: Buffer.from(await xlsxOf(testClass(2, 51, "P1"))),
  });
  ids = ((await imported.json()) as { drafts: { id: string }[] }).drafts.map((d) => d.id);
}, 120_000);
afterAll(async () => {
  await api?.dispose();
  tmp.dispose();
});

let tokenIndex = 0;

describe.skipIf(!available)("hocba sign-pending", () => {
  it("refuses to run without a device token in the environment, and exits 63 when the confirmation is answered no", async () => {
    const missing = await commandError(
      signPending(["--p12", p12Path], captureIo({ HOCBA_API_URL: api.url })),
    );
    const io = {
      ...captureIo({ HOCBA_API_URL: api.url, HOCBA_DEVICE_TOKEN: homeroomToken, HOCBA_P12_PASSWORD: "gvcn" }),
      readLine: () => Promise.resolve("n"),
    };
    const declined = await commandError(signPending(["--p12", p12Path], io));
    expect([missing.code, missing.message.split("\n")[0], declined, exitCodeFor("SIGNING_DECLINED")]).toEqual(
      [
        "USAGE",
        "no device token: make one in the workspace and set HOCBA_DEVICE_TOKEN (it is never taken on the command line)",
        { code: "SIGNING_DECLINED", message: "nothing was signed: the confirmation was answered no" },
        63,
      ],
    );
  });

  it("signs the homeroom teacher's class with a .p12 after the confirmation, then the principal's with a SoftHSM token key with --yes; both signatures end in one CMS and the documents are submitted", async () => {
    const asked: string[] = [];
    const io = {
      ...captureIo({ HOCBA_API_URL: api.url, HOCBA_DEVICE_TOKEN: homeroomToken, HOCBA_P12_PASSWORD: "gvcn" }),
      readLine: (prompt: string) => {
        asked.push(prompt);
        return Promise.resolve("y");
      },
    };
    expect(await signPending(["--p12", p12Path], io)).toBe(0);
    const homeroomLines = io
      .stdoutText()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { ok: boolean; status: string; awaitingRoles: string[] });

    const token = createToken(tmp.path(`token-${tokenIndex++}`), "school");
    process.env.SOFTHSM2_CONF = token.conf;
    const certificate = certify(
      token.dir,
      generateKeyPair(token, "EC:prime256v1", "01", "principal"),
      "/C=VN/O=Trường THCS Nguyễn Du/title=Hiệu trưởng/CN=Nguyễn Văn Hùng",
      api.pki.intermediate,
    );
    writeCertificate(token, certificate, "01", "principal");
    await api.db.query(
      `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
       VALUES ($1, $2, $3, 'principal token', 'principal', now() - interval '1 day')`,
      [SCHOOL_CODE, fingerprintOf(certificate), certificate],
    );
    const principalIo = captureIo({
      HOCBA_API_URL: api.url,
      HOCBA_DEVICE_TOKEN: principalToken,
      TOKEN_PIN: USER_PIN,
    });
    expect(
      await signPending(
        [
          "--pkcs11",
          SOFTHSM_MODULE,
          "--token",
          "school",
          "--pin-env",
          "TOKEN_PIN",
          "--chain",
          chainPath,
          "--class",
          "9P1",
          "--yes",
        ],
        principalIo,
      ),
    ).toBe(0);
    const principalLines = principalIo
      .stdoutText()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { ok: boolean; status: string });
    const { rows } = await api.db.query<{ id: string; signature: Uint8Array }>(
      "SELECT id, signature FROM documents WHERE id = ANY($1::uuid[]) ORDER BY id",
      [ids],
    );
    const again = captureIo({
      HOCBA_API_URL: api.url,
      HOCBA_DEVICE_TOKEN: principalToken,
      TOKEN_PIN: USER_PIN,
    });
    expect(
      await signPending(["--pkcs11", SOFTHSM_MODULE, "--token", "school", "--pin-env", "TOKEN_PIN"], again),
    ).toBe(0);
    expect({
      asked,
      homeroom: homeroomLines.map((l) => [l.ok, l.status, l.awaitingRoles]),
      principal: principalLines.map((l) => [l.ok, l.status]),
      stored: rows.map((r) => parseDetachedSignedData(new Uint8Array(r.signature)).signers.length),
      nothingLeft: [again.stdoutText(), again.err.join("")],
    }).toEqual({
      asked: ["Ký 2 học bạ? / Sign 2 transcripts? [y/N] "],
      homeroom: [
        [true, "awaiting", ["principal"]],
        [true, "awaiting", ["principal"]],
      ],
      principal: [
        [true, "pending"],
        [true, "pending"],
      ],
      stored: [2, 2],
      nothingLeft: ["", "Không có học bạ nào chờ chữ ký của bạn. / Nothing awaits your signature.\n"],
    });
  });

  it("stops at a revoked device token with exit code 60", async () => {
    const session = await sessionFor(api.db, {
      subject: "ht2",
      name: "Phó hiệu trưởng",
      school: SCHOOL_CODE,
      roles: ["principal"],
    });
    const { token, id } = await deviceToken(session);
    await fetch(`${api.url}/api/v1/staff/device-tokens/${id}`, {
      method: "DELETE",
      headers: session.headers(),
    });
    const error = await commandError(
      signPending(
        ["--p12", p12Path, "--yes"],
        captureIo({ HOCBA_API_URL: api.url, HOCBA_DEVICE_TOKEN: token }),
      ),
    );
    expect([error, exitCodeFor("DEVICE_TOKEN_INVALID")]).toEqual([
      { code: "DEVICE_TOKEN_INVALID", message: "invalid, revoked or expired device token" },
      60,
    ]);
  });
});
