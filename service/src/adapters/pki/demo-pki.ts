/**
 * The demo PKI of the embedded default (README, Quick start): a demo root CA → an issuing CA (path
 * length 0) → one signer per demo issuer — the principal of school DEMO01, the head of district
 * office DEMOQ1 and the director of the department DEMOSO — written where the CLI, the curl examples and the tests find them. It is created
 * once and never overwritten: a restarted service, a test and a user all keep using the same keys,
 * so documents signed yesterday still verify today. The CA keys are kept (in `ca/`, outside the
 * trust folder, which holds certificates only) so `hocba demo-pki --issue` can add signers later.
 *
 * Files under `<dir>` (keys and .p12 files mode 0600):
 *   trust/root.pem                         the demo trust anchor
 *   ca/root.key.pem                        its private key (PKCS#8)
 *   ca/intermediate.cert.pem, ca/intermediate.key.pem   the issuing CA
 *   <code>.key.pem <code>.cert.pem <code>.chain.pem <code>.p12 (password "demo")   per signer
 *   PDFSEAL.*                              the operator's seal of the printable PDF (PDF_SEAL_P12)
 */
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HocbaError } from "../../core/errors";
import { issueCertificate, type IssuedCertificate, type KeyAlgorithm } from "./certificates";
import { loadSignerFromPem } from "./keys";
import { writeP12 } from "./p12";

/** Password of the demo `.p12` files. */
export const DEMO_P12_PASSWORD = "demo";

/** The demo issuers of the embedded default and the people who sign for them. */
export const DEMO_SIGNERS: readonly DemoSignerSpec[] = [
  {
    code: "DEMO01",
    subject: "C=VN, L=Hà Nội, O=Trường THCS Demo, OU=DEMO01, T=Hiệu trưởng, CN=Trần Thị Minh Hạnh",
  },
  {
    code: "DEMOQ1",
    subject: "C=VN, L=Hà Nội, O=Phòng GDĐT Demo, OU=DEMOQ1, T=Trưởng phòng, CN=Lê Văn Phúc",
  },
  {
    code: "DEMOSO",
    subject: "C=VN, L=Hà Nội, O=Sở GDĐT Demo, OU=DEMOSO, T=Giám đốc Sở, CN=Nguyễn Thị Thu Hà",
  },
];

/** The demo operator's seal: signs the printable PDFs (adapters/pdf/seal.ts). Not an issuer. */
export const DEMO_PDF_SEAL: DemoSignerSpec = {
  code: "PDFSEAL",
  subject: "C=VN, L=Hà Nội, O=hocba Demo (đơn vị vận hành), CN=Dấu chuyển đổi PDF hocba Demo",
};

const ROOT_SUBJECT = "C=VN, O=Sở Giáo dục và Đào tạo Demo, OU=Chỉ dùng thử nghiệm, CN=hocba Demo Root CA";
const INTERMEDIATE_SUBJECT =
  "C=VN, O=Sở Giáo dục và Đào tạo Demo, OU=Chỉ dùng thử nghiệm, CN=hocba Demo Issuing CA";
const YEAR_MS = 365 * 24 * 3_600_000;
const PRIVATE = 0o600;

export interface DemoSignerSpec {
  /** The issuer code (school or district office); names the files. */
  code: string;
  /** X.500 name, most significant first (C=VN, …, CN=…). */
  subject: string;
  /** Default P-256. */
  keyAlgorithm?: KeyAlgorithm;
  /** Default "demo". */
  password?: string;
}

export interface DemoSignerFiles {
  code: string;
  key: string;
  cert: string;
  chain: string;
  p12: string;
  /** 0x-hex SHA-256 of the signer certificate's DER (what the issuer registry stores). */
  fingerprint: string;
}

export interface DemoPki {
  dir: string;
  /** trust/root.pem — the folder `trust/` is a trust-anchors directory. */
  root: string;
  trustDir: string;
  signers: DemoSignerFiles[];
  /** The operator's seal for the printable PDF (`PDFSEAL.p12`, password "demo"). */
  seal: DemoSignerFiles;
  /** The files this call wrote (empty when everything existed). */
  written: string[];
}

export interface DemoPkiOptions {
  /** Key type of new CA and signer keys; default P-256. */
  keyAlgorithm?: KeyAlgorithm;
}

interface Paths {
  trustDir: string;
  root: string;
  rootKey: string;
  intermediate: string;
  intermediateKey: string;
}

function pathsOf(dir: string): Paths {
  return {
    trustDir: join(dir, "trust"),
    root: join(dir, "trust", "root.pem"),
    rootKey: join(dir, "ca", "root.key.pem"),
    intermediate: join(dir, "ca", "intermediate.cert.pem"),
    intermediateKey: join(dir, "ca", "intermediate.key.pem"),
  };
}

/**
 * Creates the demo PKI under `dir` where it is missing and returns its file names. Existing keys
 * are never replaced; derived files (a signer's chain or .p12) are rebuilt from them when missing.
 * @throws HocbaError CONFIG_INVALID when a key exists without its certificate or the other way
 *   round (delete the directory to start over), or a file cannot be read.
 * @example
 * const pki = await ensureDemoPki("data/demo"); // pki.root === "data/demo/trust/root.pem"
 */
export async function ensureDemoPki(dir: string, options: DemoPkiOptions = {}): Promise<DemoPki> {
  const paths = pathsOf(dir);
  const written: string[] = [];
  const intermediate = await ensureCa(paths, options.keyAlgorithm ?? "P-256", written);
  const signers: DemoSignerFiles[] = [];
  for (const spec of DEMO_SIGNERS) {
    signers.push(
      await ensureSigner(dir, { keyAlgorithm: options.keyAlgorithm, ...spec }, intermediate, written),
    );
  }
  const seal = await ensureSigner(
    dir,
    { keyAlgorithm: options.keyAlgorithm, ...DEMO_PDF_SEAL },
    intermediate,
    written,
  );
  return { dir, root: paths.root, trustDir: paths.trustDir, signers, seal, written };
}

/**
 * Issues one more signer from the demo issuing CA (creating the demo PKI first if needed): e.g. a
 * homeroom teacher who co-signs, or another school.
 * @throws HocbaError CONFLICT when `<code>.key.pem` already exists; USAGE when the code cannot name a
 *   file or the subject has no CN.
 * @example
 * await issueDemoSigner("data/demo", { code: "DEMO01-GVCN", subject: "C=VN, O=Trường THCS Demo, T=Giáo viên chủ nhiệm, CN=Phạm Thu Trang" });
 */
export async function issueDemoSigner(
  dir: string,
  spec: DemoSignerSpec,
): Promise<DemoSignerFiles & { written: string[] }> {
  const paths = pathsOf(dir);
  if (!/(^|[,+]\s*)CN=[^,+]/.test(spec.subject))
    throw new HocbaError("USAGE", `the subject "${spec.subject}" needs a common name (…, CN=<name>)`);
  if (existsSync(signerPaths(dir, spec.code).key))
    throw new HocbaError(
      "CONFLICT",
      `${signerPaths(dir, spec.code).key} exists; a demo key is never overwritten`,
    );
  const written: string[] = [];
  const intermediate = await ensureCa(paths, spec.keyAlgorithm ?? "P-256", written);
  const files = await ensureSigner(dir, spec, intermediate, written);
  return { ...files, written };
}

/** The issuing CA, loaded or created (with the root, when that is missing too). */
async function ensureCa(
  paths: Paths,
  keyAlgorithm: KeyAlgorithm,
  written: string[],
): Promise<IssuedCertificate> {
  const existing = await loadPair(paths.intermediate, paths.intermediateKey);
  if (existing !== undefined) return existing;
  let root = await loadPair(paths.root, paths.rootKey);
  if (root === undefined) {
    root = await issueCertificate({
      subject: ROOT_SUBJECT,
      ca: true,
      keyAlgorithm,
      notAfter: new Date(Date.now() + 10 * YEAR_MS),
    });
    writeNew(paths.rootKey, root.privateKeyPkcs8Pem, written, PRIVATE);
    writeNew(paths.root, root.certificatePem, written);
  }
  const intermediate = await issueCertificate({
    subject: INTERMEDIATE_SUBJECT,
    ca: { pathLength: 0 },
    keyAlgorithm,
    issuer: root,
    notAfter: capTo(root, 5 * YEAR_MS),
  });
  writeNew(paths.intermediateKey, intermediate.privateKeyPkcs8Pem, written, PRIVATE);
  writeNew(paths.intermediate, intermediate.certificatePem, written);
  return intermediate;
}

async function ensureSigner(
  dir: string,
  spec: DemoSignerSpec,
  intermediate: IssuedCertificate,
  written: string[],
): Promise<DemoSignerFiles> {
  const files = signerPaths(dir, spec.code);
  let keyPem: string;
  let certPem: string;
  let chainPem: string;
  if (existsSync(files.key) || existsSync(files.cert)) {
    keyPem = readExisting(files.key, files.cert);
    certPem = readExisting(files.cert, files.key);
    chainPem = existsSync(files.chain)
      ? readFileSync(files.chain, "utf8")
      : certPem + intermediate.certificatePem;
  } else {
    const signer = await issueCertificate({
      subject: spec.subject,
      keyAlgorithm: spec.keyAlgorithm ?? "P-256",
      issuer: intermediate,
      notAfter: capTo(intermediate, 2 * YEAR_MS),
    }).catch((error: unknown) => {
      throw new HocbaError("USAGE", `cannot issue "${spec.subject}": ${String(error)}`, { cause: error });
    });
    keyPem = signer.privateKeyPkcs8Pem;
    certPem = signer.certificatePem;
    chainPem = certPem + intermediate.certificatePem;
    writeNew(files.key, keyPem, written, PRIVATE);
    writeNew(files.cert, certPem, written);
  }
  if (!existsSync(files.chain)) writeNew(files.chain, chainPem, written);
  if (!existsSync(files.p12)) {
    const loaded = await loadSignerFromPem({ keyPem, certPem, chainPem });
    const p12 = writeP12({
      privateKeyPkcs8: createPrivateKey(keyPem).export({ format: "der", type: "pkcs8" }),
      certificates: [loaded.certificate, ...loaded.chain],
      password: spec.password ?? DEMO_P12_PASSWORD,
      friendlyName: spec.code,
    });
    writeNew(files.p12, p12, written, PRIVATE);
  }
  const fingerprint = "0x" + createHash("sha256").update(new X509Certificate(certPem).raw).digest("hex");
  return { code: spec.code, ...files, fingerprint };
}

function signerPaths(dir: string, code: string): Omit<DemoSignerFiles, "code" | "fingerprint"> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(code))
    throw new HocbaError("USAGE", `"${code}" cannot name a demo signer (letters, digits, - and _ only)`);
  return {
    key: join(dir, `${code}.key.pem`),
    cert: join(dir, `${code}.cert.pem`),
    chain: join(dir, `${code}.chain.pem`),
    p12: join(dir, `${code}.p12`),
  };
}

/** A CA certificate and key from disk as the factory's issuer; undefined when neither exists. */
async function loadPair(certPath: string, keyPath: string): Promise<IssuedCertificate | undefined> {
  if (!existsSync(certPath) && !existsSync(keyPath)) return undefined;
  const certPem = readExisting(certPath, keyPath);
  const keyPem = readExisting(keyPath, certPath);
  const loaded = await loadSignerFromPem({ keyPem, certPem });
  if (
    loaded.keyAlgorithm !== "P-256" &&
    loaded.keyAlgorithm !== "RSA-2048" &&
    loaded.keyAlgorithm !== "RSA-3072"
  )
    throw new HocbaError(
      "CONFIG_INVALID",
      `${keyPath}: the demo CA cannot issue with a ${loaded.keyAlgorithm} key`,
    );
  const certificate = new X509Certificate(certPem);
  const publicKey = await crypto.subtle.importKey(
    "spki",
    certificate.publicKey.export({ format: "der", type: "spki" }),
    loaded.keyAlgorithm === "P-256"
      ? { name: "ECDSA", namedCurve: "P-256" }
      : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    true,
    ["verify"],
  );
  return {
    certificate: loaded.certificate,
    certificatePem: certPem,
    privateKey: loaded.privateKey,
    privateKeyPkcs8Pem: keyPem,
    publicKey,
    keyAlgorithm: loaded.keyAlgorithm,
    subject: loaded.subject,
  };
}

/** A certificate's notAfter `lifetime` from now, but never beyond its issuer's. */
function capTo(issuer: IssuedCertificate, lifetime: number): Date {
  const issuerEnd = Date.parse(new X509Certificate(issuer.certificate).validTo);
  return new Date(Math.min(Date.now() + lifetime, issuerEnd));
}

function readExisting(path: string, partner: string): string {
  if (!existsSync(path))
    throw new HocbaError(
      "CONFIG_INVALID",
      `${partner} exists but ${path} does not; delete the demo directory to start over`,
    );
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new HocbaError("CONFIG_INVALID", `cannot read ${path}: ${String(error)}`, { cause: error });
  }
}

/** Writes a file that must not exist yet (flag "wx": a concurrent creator is not overwritten). */
function writeNew(path: string, data: string | Uint8Array, written: string[], mode = 0o644): void {
  try {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, data, { flag: "wx", mode });
    chmodSync(path, mode); // the umask may have cleared bits of `mode`
  } catch (error) {
    throw new HocbaError("IO", `cannot write ${path}: ${String(error)}`, { cause: error });
  }
  written.push(path);
}
