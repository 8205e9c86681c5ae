import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_P12_PASSWORD,
  ensureDemoPki,
  issueDemoSigner,
  type DemoPki,
} from "../../../service/src/adapters/pki/demo-pki";
import { loadSignerFromP12, loadSignerFromPem } from "../../../service/src/adapters/pki/keys";
import { loadTrustAnchorsDir } from "../../../service/src/adapters/pki/trust-dir";
import { nodeCrypto } from "../../../service/src/adapters/pki/node-crypto";
import { isHocbaError } from "../../../service/src/core/errors";
import { signDetached, verifyDetached } from "../../../service/src/core/pki";
import { openssl, opensslReport, tempDir } from "../../helpers/files";

const tmp = tempDir("demo-pki");
let pki: DemoPki;

beforeAll(async () => {
  pki = await ensureDemoPki(tmp.path("demo"));
});
afterAll(() => tmp.dispose());

/** Every file under `dir` → its mode bits, relative names sorted. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = (statSync(path).mode & 0o777).toString(8);
    }
  };
  walk(dir);
  return Object.fromEntries(Object.entries(out).sort());
}

function contents(dir: string): Record<string, string> {
  return Object.fromEntries(
    Object.keys(listing(dir)).map((name) => [name, readFileSync(join(dir, name), "base64")]),
  );
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isHocbaError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("ensureDemoPki", () => {
  it("creates exactly the demo files the README lists plus the CA keys, private ones readable by the owner only", () => {
    const dir = tmp.path("demo");
    expect(listing(dir)).toEqual({
      "DEMO01.cert.pem": "644",
      "DEMO01.chain.pem": "644",
      "DEMO01.key.pem": "600",
      "DEMO01.p12": "600",
      "DEMOQ1.cert.pem": "644",
      "DEMOQ1.chain.pem": "644",
      "DEMOQ1.key.pem": "600",
      "DEMOQ1.p12": "600",
      "DEMOSO.cert.pem": "644",
      "DEMOSO.chain.pem": "644",
      "DEMOSO.key.pem": "600",
      "DEMOSO.p12": "600",
      "PDFSEAL.cert.pem": "644",
      "PDFSEAL.chain.pem": "644",
      "PDFSEAL.key.pem": "600",
      "PDFSEAL.p12": "600",
      "ca/intermediate.cert.pem": "644",
      "ca/intermediate.key.pem": "600",
      "ca/root.key.pem": "600",
      "trust/root.pem": "644",
    });
    const filesOf = (code: string) => ({
      code,
      key: join(dir, `${code}.key.pem`),
      cert: join(dir, `${code}.cert.pem`),
      chain: join(dir, `${code}.chain.pem`),
      p12: join(dir, `${code}.p12`),
      fingerprint:
        "0x" +
        new X509Certificate(readFileSync(join(dir, `${code}.cert.pem`))).fingerprint256
          .replace(/:/g, "")
          .toLowerCase(),
    });
    expect(pki).toEqual({
      dir,
      root: join(dir, "trust/root.pem"),
      trustDir: join(dir, "trust"),
      signers: ["DEMO01", "DEMOQ1", "DEMOSO"].map(filesOf),
      seal: filesOf("PDFSEAL"),
      written: [
        "ca/root.key.pem",
        "trust/root.pem",
        "ca/intermediate.key.pem",
        "ca/intermediate.cert.pem",
        ...["DEMO01", "DEMOQ1", "DEMOSO", "PDFSEAL"].flatMap((code) =>
          ["key.pem", "cert.pem", "chain.pem", "p12"].map((suffix) => `${code}.${suffix}`),
        ),
      ].map((name) => join(dir, name)),
    });
  });

  it("builds root → issuing CA (path length 0) → signers with signing key usage and Vietnamese names", () => {
    const dir = tmp.path("demo");
    const describe = (path: string): string[] =>
      openssl(
        "x509",
        "-in",
        path,
        "-noout",
        "-subject",
        "-nameopt",
        "utf8,sep_comma_plus_space",
        "-ext",
        "basicConstraints,keyUsage,extendedKeyUsage",
      )
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "");
    expect(describe(join(dir, "trust/root.pem"))).toEqual([
      "subject=C=VN, O=Sở Giáo dục và Đào tạo Demo, OU=Chỉ dùng thử nghiệm, CN=hocba Demo Root CA",
      "X509v3 Basic Constraints: critical",
      "CA:TRUE",
      "X509v3 Key Usage: critical",
      "Certificate Sign, CRL Sign",
    ]);
    expect(describe(join(dir, "ca/intermediate.cert.pem"))).toEqual([
      "subject=C=VN, O=Sở Giáo dục và Đào tạo Demo, OU=Chỉ dùng thử nghiệm, CN=hocba Demo Issuing CA",
      "X509v3 Basic Constraints: critical",
      "CA:TRUE, pathlen:0",
      "X509v3 Key Usage: critical",
      "Certificate Sign, CRL Sign",
    ]);
    expect(describe(join(dir, "DEMO01.cert.pem"))).toEqual([
      "subject=C=VN, L=Hà Nội, O=Trường THCS Demo, OU=DEMO01, title=Hiệu trưởng, CN=Trần Thị Minh Hạnh",
      "X509v3 Key Usage: critical",
      "Digital Signature, Non Repudiation",
    ]);
    expect(describe(join(dir, "DEMOQ1.cert.pem"))[0]).toBe(
      "subject=C=VN, L=Hà Nội, O=Phòng GDĐT Demo, OU=DEMOQ1, title=Trưởng phòng, CN=Lê Văn Phúc",
    );
    expect(describe(join(dir, "DEMOSO.cert.pem"))[0]).toBe(
      "subject=C=VN, L=Hà Nội, O=Sở GDĐT Demo, OU=DEMOSO, title=Giám đốc Sở, CN=Nguyễn Thị Thu Hà",
    );
    for (const code of ["DEMO01", "DEMOQ1", "DEMOSO"]) {
      expect(
        opensslReport(
          "verify",
          "-CAfile",
          join(dir, "trust/root.pem"),
          "-untrusted",
          join(dir, "ca/intermediate.cert.pem"),
          join(dir, `${code}.cert.pem`),
        ),
      ).toBe(`${join(dir, `${code}.cert.pem`)}: OK\n`);
    }
  });

  it("writes each signer's chain file signer first, and a .p12 (password demo) with the same key and chain", async () => {
    const dir = tmp.path("demo");
    for (const code of ["DEMO01", "DEMOQ1"]) {
      const cert = readFileSync(join(dir, `${code}.cert.pem`), "utf8");
      const intermediate = readFileSync(join(dir, "ca/intermediate.cert.pem"), "utf8");
      expect(readFileSync(join(dir, `${code}.chain.pem`), "utf8")).toBe(cert + intermediate);
      const fromPem = await loadSignerFromPem({
        keyPem: readFileSync(join(dir, `${code}.key.pem`), "utf8"),
        certPem: readFileSync(join(dir, `${code}.chain.pem`), "utf8"),
      });
      const fromP12 = await loadSignerFromP12(readFileSync(join(dir, `${code}.p12`)), DEMO_P12_PASSWORD);
      expect({ ...fromP12, privateKey: null }).toEqual({ ...fromPem, privateKey: null });
      expect(fromP12.keyAlgorithm).toBe("P-256");
    }
  });

  it("gives signers whose signatures verify against the trust folder", async () => {
    const content = new TextEncoder().encode('{"type":"hocba.transcript/v1"}');
    const signer = await loadSignerFromP12(readFileSync(pki.signers[0]!.p12), DEMO_P12_PASSWORD);
    const cms = await signDetached(content, [signer]);
    const report = await verifyDetached(content, cms, {
      trustAnchors: loadTrustAnchorsDir(pki.trustDir),
      crypto: nodeCrypto,
    });
    expect(report.checks.map((check) => `${check.name}: ${check.status}`)).toEqual([
      "structure: valid",
      "digest: valid",
      "signature: valid",
      "timestamp: skipped",
      "chain: valid",
      "validity: valid",
      "certStatus: skipped",
      "keyUsage: valid",
      "authorization: skipped",
      "roles: skipped",
    ]);
  });

  it("changes nothing when run again", async () => {
    const dir = tmp.path("demo");
    const before = contents(dir);
    const again = await ensureDemoPki(dir);
    expect(again).toEqual({ ...pki, written: [] });
    expect(contents(dir)).toEqual(before);
  });

  it("rebuilds a deleted .p12 and chain from the kept key, and issues a deleted signer anew from the kept CA", async () => {
    const dir = tmp.path("again");
    await ensureDemoPki(dir);
    const before = contents(dir);
    rmSync(join(dir, "DEMO01.p12"));
    rmSync(join(dir, "DEMO01.chain.pem"));
    for (const suffix of ["key.pem", "cert.pem", "chain.pem", "p12"]) rmSync(join(dir, `DEMOQ1.${suffix}`));
    const result = await ensureDemoPki(dir);
    expect(result.written).toEqual(
      [
        "DEMO01.chain.pem",
        "DEMO01.p12",
        "DEMOQ1.key.pem",
        "DEMOQ1.cert.pem",
        "DEMOQ1.chain.pem",
        "DEMOQ1.p12",
      ].map((name) => join(dir, name)),
    );
    const after = contents(dir);
    for (const kept of [
      "DEMO01.key.pem",
      "DEMO01.cert.pem",
      "DEMO01.chain.pem",
      "trust/root.pem",
      "ca/root.key.pem",
      "ca/intermediate.key.pem",
    ])
      expect(after[kept]).toBe(before[kept]);
    expect(after["DEMOQ1.key.pem"]).not.toBe(before["DEMOQ1.key.pem"]);
    const signer = await loadSignerFromP12(readFileSync(join(dir, "DEMO01.p12")), DEMO_P12_PASSWORD);
    expect(signer.certificate).toEqual(
      new Uint8Array(new X509Certificate(readFileSync(join(dir, "DEMO01.cert.pem"))).raw),
    );
  });

  it("refuses to guess when a key is left without its certificate", async () => {
    const dir = tmp.path("broken");
    await ensureDemoPki(dir);
    rmSync(join(dir, "DEMO01.cert.pem"));
    expect(await failure(ensureDemoPki(dir))).toEqual({
      code: "CONFIG_INVALID",
      message: `${join(dir, "DEMO01.key.pem")} exists but ${join(dir, "DEMO01.cert.pem")} does not; delete the demo directory to start over`,
    });
  });
});

describe("issueDemoSigner", () => {
  it("issues a co-signer from the demo issuing CA and never overwrites it", async () => {
    const dir = tmp.path("demo");
    const spec = {
      code: "DEMO01-GVCN",
      subject: "C=VN, O=Trường THCS Demo, OU=DEMO01, T=Giáo viên chủ nhiệm, CN=Phạm Thu Trang",
      keyAlgorithm: "RSA-2048" as const,
      password: "gvcn",
    };
    const issued = await issueDemoSigner(dir, spec);
    expect(issued.written).toEqual(
      ["key.pem", "cert.pem", "chain.pem", "p12"].map((suffix) => join(dir, `DEMO01-GVCN.${suffix}`)),
    );
    const signer = await loadSignerFromP12(readFileSync(issued.p12), "gvcn");
    expect(signer.keyAlgorithm).toBe("RSA-2048");
    expect(signer.subject).toBe(
      "C=VN, O=Trường THCS Demo, OU=DEMO01, title=Giáo viên chủ nhiệm, CN=Phạm Thu Trang",
    );
    expect(signer.chain).toEqual([
      new Uint8Array(new X509Certificate(readFileSync(join(dir, "ca/intermediate.cert.pem"))).raw),
    ]);

    expect(await failure(issueDemoSigner(dir, spec))).toEqual({
      code: "CONFLICT",
      message: `${join(dir, "DEMO01-GVCN.key.pem")} exists; a demo key is never overwritten`,
    });
  });

  it("rejects a code that cannot name a file and a subject that is not an X.500 name", async () => {
    const dir = tmp.path("demo");
    expect(await failure(issueDemoSigner(dir, { code: "../evil", subject: "CN=x" }))).toEqual({
      code: "USAGE",
      message: '"../evil" cannot name a demo signer (letters, digits, - and _ only)',
    });
    expect(await failure(issueDemoSigner(dir, { code: "BAD", subject: "not a name" }))).toEqual({
      code: "USAGE",
      message: 'the subject "not a name" needs a common name (…, CN=<name>)',
    });
    expect(await failure(issueDemoSigner(dir, { code: "BAD", subject: "C=VN, XX=?, CN=Ai đó" }))).toEqual({
      code: "USAGE",
      message: expect.stringMatching(/^cannot issue "C=VN, XX=\?, CN=Ai đó": /) as unknown,
    });
    expect(existsSync(join(dir, "BAD.key.pem"))).toBe(false);
  });
});

describe("loadTrustAnchorsDir", () => {
  it("reads PEM and DER certificates and ignores other files", () => {
    const dir = tmp.path("anchors");
    mkdirSync(dir);
    const rootPem = readFileSync(pki.root, "utf8");
    const other = tmp.path("demo/ca/intermediate.cert.pem");
    tmp.write("anchors/root.pem", rootPem);
    tmp.write("anchors/other.cer", new Uint8Array(new X509Certificate(readFileSync(other)).raw));
    tmp.write("anchors/README.txt", "not a certificate");
    const store = loadTrustAnchorsDir(dir);
    expect(store.anchors.map((anchor) => anchor.fingerprint).sort()).toEqual(
      [pki.root, other]
        .map(
          (path) =>
            "0x" + new X509Certificate(readFileSync(path)).fingerprint256.replace(/:/g, "").toLowerCase(),
        )
        .sort(),
    );
  });

  it("rejects a missing folder, an empty one, and a .pem file without a certificate", () => {
    const attempt = (dir: string): { code: string; message: string } => {
      try {
        loadTrustAnchorsDir(dir);
      } catch (error) {
        if (isHocbaError(error)) return { code: error.code, message: error.message };
      }
      throw new Error("expected an error");
    };
    expect(attempt(tmp.path("nowhere"))).toEqual({
      code: "IO",
      message: expect.stringMatching(
        new RegExp(`^cannot read the trust anchors folder ${tmp.path("nowhere")}: .*ENOENT`),
      ) as unknown,
    });
    mkdirSync(tmp.path("empty"));
    expect(attempt(tmp.path("empty"))).toEqual({
      code: "CONFIG_INVALID",
      message: `the trust anchors folder ${tmp.path("empty")} holds no .pem/.crt/.cer/.der file`,
    });
    tmp.write("empty/key.pem", readFileSync(tmp.path("demo/DEMO01.key.pem")));
    expect(attempt(tmp.path("empty"))).toEqual({
      code: "CONFIG_INVALID",
      message: `${tmp.path("empty/key.pem")}: a trust anchor entry holds no PEM certificate`,
    });
  });
});
