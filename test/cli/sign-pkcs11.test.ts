/**
 * `hocba sign --pkcs11` on SoftHSM2 tokens (issue 12 item 1): keys generated on the token,
 * sensitive and never extractable, certified by a test CA with OpenSSL; the CMS the token signs
 * verifies with `openssl cms -verify` and with hocba's own verifier, alone and beside a .p12
 * co-signer; wrong PIN, missing token, missing key and a certificate of another key each fail with
 * their own code, message and exit code. Every test gets a token folder of its own.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sign } from "../../service/src/cli/commands/sign";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { createPGliteDatabase } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { canonicalBytes, docHash } from "../../service/src/core/documents/hash";
import { submitDocuments } from "../../service/src/issuance/documents";
import { verifyDetached } from "../../service/src/core/pki";
import { captureIo, commandError, runCli } from "../helpers/cli";
import { openssl, tempDir } from "../helpers/files";
import { makeTranscript } from "../helpers/fixtures";
import { fingerprintOf, issue, makeSchoolPki, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";
import {
  certify,
  createToken,
  deletePublicKey,
  generateKeyPair,
  listPrivateKeys,
  SOFTHSM_MODULE,
  softhsmAvailable,
  USER_PIN,
  writeCertificate,
  type SoftToken,
} from "../helpers/softhsm";

const available = softhsmAvailable();
const tmp = tempDir("sign-pkcs11");
const document = makeTranscript({
  seed: 12,
  school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
});
const PRINCIPAL = "/C=VN/O=Trường THCS Nguyễn Du/title=Hiệu trưởng/CN=Nguyễn Văn Hùng";
let pki: SchoolPki;
let documentPath: string;
let chainPath: string;
let rootPath: string;
let p12Path: string;
let testIndex = 0;
let token: SoftToken;

beforeAll(async () => {
  if (!available) return;
  pki = await makeSchoolPki("RSA-2048");
  documentPath = tmp.write("transcript.json", JSON.stringify(document, null, 2));
  chainPath = tmp.write("intermediate.pem", pki.intermediate.certificatePem);
  rootPath = tmp.write("root.pem", pki.root.certificatePem);
  p12Path = tmp.path("homeroom.p12");
  openssl(
    "pkcs12", "-export", "-out", p12Path, "-passout", "pass:gvcn",
    "-inkey", tmp.write("homeroom.key", pki.homeroom.privateKeyPkcs8Pem),
    "-in", tmp.write("homeroom.pem", pki.homeroom.certificatePem),
  ); // prettier-ignore
}, 60_000);
afterAll(() => tmp.dispose());

/** A fresh token "school" in a folder of its own, which this process's PKCS#11 module will use. */
beforeEach(() => {
  if (!available) return;
  token = createToken(tmp.path(`token-${testIndex++}`), "school");
  process.env.SOFTHSM2_CONF = token.conf;
});

/** A key pair generated on the token and its certificate (issued by the test CA) written beside it. */
function keyWithCertificate(keyType: string, id: string, label: string): Uint8Array {
  const certificate = certify(
    token.dir,
    generateKeyPair(token, keyType, id, label),
    PRINCIPAL,
    pki.intermediate,
  );
  writeCertificate(token, certificate, id, label);
  return certificate;
}

const tokenArgs = (...extra: string[]) => [
  "--pkcs11", SOFTHSM_MODULE, "--token", "school", "--pin-env", "TOKEN_PIN", ...extra,
]; // prettier-ignore

/**
 * Runs `hocba sign` (the plain form: this file is about the token, the selectively disclosable
 * form has its own tests), returns the signature DER after checking the output's shape.
 */
async function signed(
  args: string[],
  env: Record<string, string> = { TOKEN_PIN: USER_PIN },
): Promise<Uint8Array> {
  const io = captureIo(env);
  expect(await sign([documentPath, "--plain", ...args], io)).toBe(0);
  const output = JSON.parse(io.stdoutText()) as { document: unknown; signature: string };
  expect(output).toEqual({ document, signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) as unknown });
  return new Uint8Array(Buffer.from(output.signature, "base64"));
}

/** hocba's verdict and the signers' fingerprints, and whether `openssl cms -verify` accepts it. */
async function verdicts(cms: Uint8Array) {
  const content = canonicalBytes(document);
  const report = await verifyDetached(content, cms, { trustAnchors: pki.store });
  const opensslOut = openssl(
    "cms", "-verify", "-binary", "-inform", "DER", "-in", tmp.write("sig.der", cms),
    "-content", tmp.write("content.bin", content), "-CAfile", rootPath, "-purpose", "any", "-out", tmp.path("out.bin"),
  ); // prettier-ignore
  return {
    hocba: { ok: report.ok, signers: report.signers.map((signer) => signer.fingerprint) },
    openssl: { output: opensslOut, content: readFileSync(tmp.path("out.bin")).equals(content) },
  };
}

/** A certificate's subject as node:crypto prints it, one line. */
function subjectOf(der: Uint8Array): string {
  return new X509Certificate(der).subject.replace(/\n/g, ", ");
}

const NEVER_EXTRACTABLE = /Access:\s+sensitive, always sensitive, never extractable, local/;

describe.skipIf(!available)("hocba sign --pkcs11 on SoftHSM2", () => {
  it.each([
    ["RSA-2048", "rsa:2048"],
    ["P-256 (ECDSA over the SHA-256 digest, r||s turned into DER)", "EC:prime256v1"],
  ])(
    "signs with an %s key that never leaves the token; hocba and openssl cms -verify accept the CMS",
    async (_, keyType) => {
      const certificate = keyWithCertificate(keyType, "01", "principal");
      expect(listPrivateKeys(token)).toMatch(NEVER_EXTRACTABLE);
      const cms = await signed(tokenArgs("--chain", chainPath));
      expect(await verdicts(cms)).toEqual({
        hocba: { ok: true, signers: [fingerprintOf(certificate)] },
        openssl: { output: "", content: true },
      });
    },
  );

  it("co-signs: the principal's token key and the homeroom teacher's .p12 in one CMS", async () => {
    const certificate = keyWithCertificate("EC:prime256v1", "01", "principal");
    const cms = await signed([
      ...tokenArgs("--chain", chainPath),
      "--p12", p12Path, "--password", "gvcn",
    ]); // prettier-ignore
    expect(await verdicts(cms)).toEqual({
      hocba: { ok: true, signers: [fingerprintOf(certificate), fingerprintOf(pki.homeroom)] },
      openssl: { output: "", content: true },
    });
  });

  it("makes a token-signed transcript, co-signed with a .p12, that the service's submission accepts", async () => {
    const certificate = keyWithCertificate("EC:prime256v1", "01", "principal");
    const cms = await signed([...tokenArgs("--chain", chainPath), "--p12", p12Path, "--password", "gvcn"]);
    const db = await createPGliteDatabase();
    try {
      await migrate(db);
      await db.query(
        "INSERT INTO issuers (code, kind, name) VALUES ($1, 'school', 'Trường THCS Nguyễn Du')",
        [SCHOOL_CODE],
      );
      for (const [der, role] of [
        [certificate, "principal"],
        [pki.homeroom.certificate, "homeroom"],
      ] as const)
        await db.query(
          `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
           VALUES ($1, $2, $3, $4, $4, now() - interval '1 day')`,
          [SCHOOL_CODE, fingerprintOf(der), der, role],
        );
      const deps = {
        db,
        trustAnchors: pki.store,
        crypto: nodeCrypto,
        requiredRoles: ["principal", "homeroom"],
      };
      const item = { document, signature: Buffer.from(cms).toString("base64") };
      expect(
        await submitDocuments(deps, { issuerCode: SCHOOL_CODE, actor: `issuer:${SCHOOL_CODE}` }, [item]),
      ).toEqual([
        { ok: true, id: document.id, docHash: docHash(document), status: "pending", created: true },
      ]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it("chooses the key by its label (--key) when the token holds several, and uses that key's certificate", async () => {
    keyWithCertificate("rsa:2048", "01", "principal");
    const seal = keyWithCertificate("EC:prime256v1", "02", "seal");
    const cms = await signed(tokenArgs("--key", "seal", "--chain", chainPath));
    expect((await verdicts(cms)).hocba).toEqual({ ok: true, signers: [fingerprintOf(seal)] });
    expect(await commandError(signed(tokenArgs()))).toEqual({
      code: "PKCS11_KEY_NOT_FOUND",
      message: 'token "school" holds 2 signing keys ("principal", "seal"): choose one with --key <label>',
    });
  });

  it("asks for the PIN on the terminal when no --pin-env is given", async () => {
    const certificate = keyWithCertificate("EC:prime256v1", "01", "principal");
    const prompts: string[] = [];
    const io = {
      ...captureIo(),
      readSecret: (prompt: string) => {
        prompts.push(prompt);
        return Promise.resolve(USER_PIN);
      },
    };
    const args = [
      documentPath,
      "--plain",
      "--pkcs11",
      SOFTHSM_MODULE,
      "--token",
      "school",
      "--chain",
      chainPath,
    ];
    expect(await sign(args, io)).toBe(0);
    const output = JSON.parse(io.stdoutText()) as { signature: string };
    expect({
      prompts,
      verdict: (await verdicts(new Uint8Array(Buffer.from(output.signature, "base64")))).hocba,
    }).toEqual({
      prompts: ['PIN of token "school": '],
      verdict: { ok: true, signers: [fingerprintOf(certificate)] },
    });
  });

  it("refuses a wrong PIN, a missing token, a missing key and a certificate of another key, each with its own code", async () => {
    keyWithCertificate("rsa:2048", "01", "principal");
    generateKeyPair(token, "EC:prime256v1", "02", "stranger");
    writeCertificate(token, pki.principal.certificate, "02", "stranger");
    expect({
      pin: await commandError(signed(tokenArgs(), { TOKEN_PIN: "000000" })),
      token: await commandError(
        signed(["--pkcs11", SOFTHSM_MODULE, "--token", "nope", "--pin-env", "TOKEN_PIN"]),
      ),
      key: await commandError(signed(tokenArgs("--key", "missing"))),
      certificate: await commandError(signed(tokenArgs("--key", "stranger"))),
    }).toEqual({
      pin: { code: "PKCS11_PIN_INCORRECT", message: 'the PIN of token "school" is wrong' },
      token: {
        code: "PKCS11_TOKEN_NOT_FOUND",
        message: 'no token labelled "nope" is present (tokens present: "school")',
      },
      key: {
        code: "PKCS11_KEY_NOT_FOUND",
        message:
          'token "school" holds no private key labelled "missing" (signing keys: "principal", "stranger")',
      },
      certificate: {
        code: "PKCS11_CERT_MISMATCH",
        message: `the certificate stored for key "stranger" (CKA_ID 02) (${subjectOf(pki.principal.certificate)}) does not match the key`,
      },
    });
  });

  it("checks the token's signature against the certificate when the token keeps no public key object", async () => {
    generateKeyPair(token, "EC:prime256v1", "01", "principal");
    deletePublicKey(token, "01");
    const other = await issue({
      subject: "CN=Người khác, C=VN",
      issuer: pki.intermediate,
      keyAlgorithm: "P-256",
    });
    writeCertificate(token, other.certificate, "01", "principal");
    expect(await commandError(signed(tokenArgs()))).toEqual({
      code: "PKCS11_CERT_MISMATCH",
      message: `the certificate stored for key "principal" (${subjectOf(other.certificate)}) does not match the key: its public key does not verify the token's signature`,
    });
  });

  it("names a key without a certificate on the token", async () => {
    generateKeyPair(token, "EC:prime256v1", "03", "bare");
    expect(await commandError(signed(tokenArgs()))).toEqual({
      code: "PKCS11_CERT_MISMATCH",
      message:
        "the token holds no certificate for key \"bare\" (CKA_ID 03): write the signer's certificate to it with the key's CKA_ID",
    });
  });

  it("never takes a PIN on the command line, and needs --pin-env or a terminal", async () => {
    keyWithCertificate("EC:prime256v1", "01", "principal");
    const usage = async (args: string[], env: Record<string, string> = {}) =>
      (await commandError(sign([documentPath, ...args], captureIo(env)))).message.split("\n")[0];
    expect({
      pin: await usage(["--pkcs11", SOFTHSM_MODULE, "--token", "school", "--pin", USER_PIN]),
      password: await usage(["--pkcs11", SOFTHSM_MODULE, "--token", "school", "--password", USER_PIN]),
      noToken: await usage(["--pkcs11", SOFTHSM_MODULE]),
      unsetVariable: await usage(tokenArgs()),
      noTerminal: await usage(["--pkcs11", SOFTHSM_MODULE, "--token", "school"]),
    }).toEqual({
      pin: "a PIN is never taken on the command line (other users can read it there): use --pin-env <VAR> or type it at the prompt",
      password:
        "--password is not for a --pkcs11 signer: its PIN comes from --pin-env <VAR> or the terminal prompt",
      noToken: "--pkcs11 without --token <label>",
      unsetVariable: "--pin-env TOKEN_PIN: the environment variable TOKEN_PIN is not set",
      noTerminal: 'no PIN for token "school": give --pin-env <VAR> or run hocba sign on a terminal',
    });
  });

  it("exits with a distinct code and a clear message for each token failure (the real process)", async () => {
    keyWithCertificate("rsa:2048", "01", "principal");
    const env = { SOFTHSM2_CONF: token.conf, TOKEN_PIN: USER_PIN };
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const result = await runCli(["sign", documentPath, ...args], { ...env, ...extra });
      return { code: result.code, stdout: result.stdout, stderr: result.stderr.trim() };
    };
    expect({
      pin: await run(tokenArgs(), { TOKEN_PIN: "000000" }),
      token: await run(["--pkcs11", SOFTHSM_MODULE, "--token", "nope", "--pin-env", "TOKEN_PIN"]),
      key: await run(tokenArgs("--key", "missing")),
      ok: (await run(tokenArgs("--chain", chainPath))).code,
    }).toEqual({
      pin: {
        code: exitCodeFor("PKCS11_PIN_INCORRECT"),
        stdout: "",
        stderr: 'hocba sign: PKCS11_PIN_INCORRECT: the PIN of token "school" is wrong',
      },
      token: {
        code: exitCodeFor("PKCS11_TOKEN_NOT_FOUND"),
        stdout: "",
        stderr:
          'hocba sign: PKCS11_TOKEN_NOT_FOUND: no token labelled "nope" is present (tokens present: "school")',
      },
      key: {
        code: exitCodeFor("PKCS11_KEY_NOT_FOUND"),
        stdout: "",
        stderr:
          'hocba sign: PKCS11_KEY_NOT_FOUND: token "school" holds no private key labelled "missing" (signing keys: "principal")',
      },
      ok: 0,
    });
  });
});
