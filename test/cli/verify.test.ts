/**
 * `hocba verify` as a user runs it (the built bundle, spawned): offline against a trust folder,
 * online against a real `hardhat node` over JSON-RPC, and through the hocba API. The credentials
 * come from the real issuance path — submitted to the test API, anchored on the hardhat node's
 * registry (the principal's certificate registered there), one of them revoked.
 */
import { mkdirSync } from "node:fs";
import { Contract, JsonRpcProvider, Network, Wallet, hexlify, randomBytes } from "ethers";
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import {
  createRegistryClient,
  issuerCodeBytes32,
  REGISTRY_ABI,
  type RegistryClient,
} from "../../service/src/adapters/chain/registry";
import { createPGliteDatabase, type Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { verify } from "../../service/src/cli/commands/verify";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { docHash, leafOf } from "../../service/src/core/documents";
import { CHECK_NAMES, verifyCredential } from "../../service/src/core/verification";
import type { Credential } from "../../service/src/issuance/credential";
import { buildTestApp, issueCredentials, settle, signedItem, type TestApp } from "../helpers/app";
import { ADMIN_KEY, ANCHOR_KEY, type TestChain } from "../helpers/chain";
import { captureIo, commandError, runCli } from "../helpers/cli";
import { tempDir } from "../helpers/files";
import { makeTranscript, withValue } from "../helpers/fixtures";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";
import { closedPortUrl } from "../helpers/listening-app";
import { verificationContext } from "../../verifier-web/src/verifier/ports";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";

const tmp = tempDir("cli-verify");
let node: HardhatNode;
let registry: RegistryClient;
let registryAddress: string;
let db: Database;
let pki: SchoolPki;
let t: TestApp;
let apiUrl: string;
let closedUrl: string;
let trustDir: string;
let otherTrustDir: string;
/** Files: a valid credential, a tampered one, a revoked one, one whose root was never anchored. */
const files = {
  valid: "",
  tampered: "",
  revoked: "",
  unanchored: "",
  otherChain: "",
  notObject: "",
  notJson: "",
  notCredential: "",
  pdf: "",
  pdfWithout: "",
  notPdf: "",
};

/** A one-page PDF carrying `attachment` (name, JSON text) as an embedded file, as hocba prints them. */
async function pdfWith(attachment?: [string, string]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage();
  if (attachment)
    await doc.attach(Buffer.from(attachment[1]), attachment[0], { mimeType: "application/json" });
  return doc.save();
}

let seed = 91_000;
const transcript = () =>
  makeTranscript({
    seed: seed++,
    school: { code: SCHOOL_CODE, name: "Trường THCS Nguyễn Du", province: "79", level: "THCS" },
  });

beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
  node = await startHardhatNode();
  const network = Network.from(31337);
  const provider = new JsonRpcProvider(node.url, network, { staticNetwork: network, cacheTimeout: -1 });
  const anchorer = new Wallet(ANCHOR_KEY).address;
  registryAddress = (
    await deployRegistry(new Wallet(ADMIN_KEY, provider), { anchorers: [anchorer], revokers: [anchorer] })
  ).address;
  const admin = new Contract(registryAddress, REGISTRY_ABI, new Wallet(ADMIN_KEY, provider));
  const added = await admin
    .getFunction("addIssuerCertificate")
    .send(issuerCodeBytes32(SCHOOL_CODE), fingerprintOf(pki.principal));
  await added.wait();
  provider.destroy();
  registry = createRegistryClient({
    rpcUrl: node.url,
    chainId: 31337,
    address: registryAddress,
    privateKey: ANCHOR_KEY,
  });

  db = await createPGliteDatabase();
  await migrate(db);
  // buildTestApp only talks to the chain through `registry`.
  t = await buildTestApp({ db, chain: { registry } as Pick<TestChain, "registry"> as TestChain, pki });
  const documents = [transcript(), transcript()];
  const [valid, issued] = await issueCredentials<Credential>(t, pki, documents);
  const revoked = await t.app.inject({
    method: "POST",
    url: `/api/v1/transcripts/${documents[1]!.id}/revoke`,
    headers: { authorization: `Bearer ${t.schoolKey}` },
    payload: { reason: "Sai điểm môn Toán" },
  });
  expect(revoked.statusCode).toBe(202);
  await settle(t.anchoring);
  // Revoked after anchoring: the file is the same one the graduate already holds.
  const revokedCredential = issued;
  // Signed by the principal, well-formed, its own one-leaf tree — but that root was never anchored.
  const lone = transcript();
  const item = await signedItem(pki, lone);
  const leaf = leafOf(docHash(lone));
  const unanchored: Credential = {
    ...valid!,
    document: item.document,
    signature: item.signature,
    anchor: { ...valid!.anchor, leaf, merkleRoot: leaf, proof: [], txHash: hexlify(randomBytes(32)) },
  };
  files.valid = tmp.write("valid.hocba.json", JSON.stringify(valid, null, 2));
  files.tampered = tmp.write(
    "tampered.hocba.json",
    JSON.stringify(withValue(valid, "/document/student/fullName", "Nguyễn Thị Bình")),
  );
  files.revoked = tmp.write("revoked.hocba.json", JSON.stringify(revokedCredential));
  files.unanchored = tmp.write("unanchored.hocba.json", JSON.stringify(unanchored));
  files.notObject = tmp.write("array.json", JSON.stringify([valid]));
  files.notJson = tmp.write("broken.json", JSON.stringify(valid).slice(0, 200));
  files.notCredential = tmp.write("hello.json", JSON.stringify({ hello: "world" }));
  files.pdf = tmp.write(
    "transcript.pdf",
    await pdfWith([`${documents[0]!.id}.hocba.json`, JSON.stringify(valid)]),
  );
  files.pdfWithout = tmp.write("plain.pdf", await pdfWith());
  files.notPdf = tmp.write("fake.pdf", "not a PDF at all");
  files.otherChain = tmp.write(
    "other-chain.hocba.json",
    JSON.stringify({ ...valid, anchor: { ...valid!.anchor, chainId: 5 } }),
  );
  trustDir = tmp.path("trust");
  mkdirSync(trustDir);
  tmp.write("trust/root.pem", pki.root.certificatePem);
  const other = await makeSchoolPki("P-256");
  otherTrustDir = tmp.path("other-trust");
  mkdirSync(otherTrustDir);
  tmp.write("other-trust/root.pem", other.root.certificatePem);
  apiUrl = await t.app.listen({ host: "127.0.0.1", port: 0 });
  closedUrl = await closedPortUrl();
}, 180_000);

afterAll(async () => {
  await t?.app.close();
  registry?.close();
  await db?.close();
  await node?.stop();
  tmp.dispose();
});

/**
 * What the command printed: "name: status" per check, then the lines after the checks, without
 * the "signed by" lines (asserted in their own test).
 */
function printed(stdout: string): { checks: string[]; rest: string[] } {
  const lines = stdout
    .trimEnd()
    .split("\n")
    .filter((line) => !line.startsWith("signed by "));
  const checks = lines
    .slice(0, CHECK_NAMES.length)
    .map((line) => /^(\w+)\s+(VALID|INVALID|ERROR|SKIPPED)\s/.exec(line))
    .map((m) => (m ? `${m[1]}: ${m[2]!.toLowerCase()}` : "?"));
  return { checks, rest: lines.slice(CHECK_NAMES.length) };
}

/** Every check valid except those given, as "name: status". */
const checks = (statuses: Record<string, string> = {}) =>
  CHECK_NAMES.map((name) => `${name}: ${statuses[name] ?? "valid"}`);

const OFFLINE_SKIPS = { anchored: "skipped", revocation: "skipped", supersession: "skipped" };
const OFFLINE_NOTE =
  "note: offline: anchored, revocation and supersession were skipped and the signer's authorization for the school was not checked (they need the chain or the service: use --rpc or --api)";

async function cli(...args: string[]) {
  const run = await runCli(["verify", ...args], {
    HOCBA_API_URL: "",
    HOCBA_TRUST_DIR: "",
    HOCBA_API_KEY: "",
  });
  return { code: run.code, ...printed(run.stdout), stderr: run.stderr };
}

describe("hocba verify offline", () => {
  it("passes a credential from the service, skipping what needs the chain and saying so (exit 0)", async () => {
    expect(await cli(files.valid, "--trust", trustDir)).toEqual({
      code: 0,
      checks: checks(OFFLINE_SKIPS),
      rest: ["result: VALID (offline)", OFFLINE_NOTE],
      stderr: "",
    });
  });

  it("finds a tampered document by its integrity and signature checks (exit 1)", async () => {
    expect(await cli(files.tampered, "--trust", trustDir)).toEqual({
      code: 1,
      checks: checks({ ...OFFLINE_SKIPS, integrity: "invalid", signature: "invalid" }),
      rest: ["result: NOT VALID"],
      stderr: "",
    });
  });

  it("refuses the signer when the trust folder holds another root (exit 1)", async () => {
    expect(await cli(files.valid, "--trust", otherTrustDir)).toEqual({
      code: 1,
      checks: checks({ ...OFFLINE_SKIPS, signer: "invalid" }),
      rest: ["result: NOT VALID"],
      stderr: "",
    });
  });

  it("verifies the credential embedded in a PDF printed by hocba", async () => {
    expect(await cli(files.pdf, "--trust", trustDir)).toEqual({
      code: 0,
      checks: checks(OFFLINE_SKIPS),
      rest: ["result: VALID (offline)", OFFLINE_NOTE],
      stderr: "",
    });
  });

  it("reads the trust folder from HOCBA_TRUST_DIR and prints the whole result with --json", async () => {
    const io = captureIo({ HOCBA_TRUST_DIR: trustDir });
    const status = await verify([files.valid, "--json"], io);
    const result = JSON.parse(io.stdoutText()) as {
      valid: boolean;
      checks: { name: string; status: string }[];
    };
    expect([status, result.valid, result.checks.map((c) => `${c.name}: ${c.status}`)]).toEqual([
      0,
      true,
      checks(OFFLINE_SKIPS),
    ]);
  });
});

describe("hocba verify --rpc (a hardhat node)", () => {
  it("passes an anchored credential: chain checks valid, supersession skipped (exit 0)", async () => {
    expect(await cli(files.valid, "--trust", trustDir, "--rpc", node.url)).toEqual({
      code: 0,
      checks: checks({ supersession: "skipped" }),
      rest: [
        "result: VALID (rpc)",
        "note: supersession was skipped: corrections are known only to the issuing service (use --api)",
      ],
      stderr: "",
    });
  });

  it("reports a revoked credential by its revocation check (exit 1)", async () => {
    expect(await cli(files.revoked, "--trust", trustDir, "--rpc", node.url)).toEqual({
      code: 1,
      checks: checks({ revocation: "invalid", supersession: "skipped" }),
      rest: ["result: NOT VALID (revoked by its issuer)"],
      stderr: "",
    });
  });

  it("reports a root the registry never anchored by the anchored check (exit 1)", async () => {
    expect(await cli(files.unanchored, "--trust", trustDir, "--rpc", node.url)).toEqual({
      code: 1,
      checks: checks({ anchored: "invalid", supersession: "skipped" }),
      rest: ["result: NOT VALID"],
      stderr: "",
    });
  });

  it("accepts --registry and --chain-id equal to the credential's; a credential of another registry is not valid", async () => {
    const other = "0x" + "ab".repeat(20);
    const [same, elsewhere] = await Promise.all([
      cli(
        files.valid,
        "--trust",
        trustDir,
        "--rpc",
        node.url,
        "--registry",
        registryAddress,
        "--chain-id",
        "31337",
      ),
      cli(files.valid, "--trust", trustDir, "--rpc", node.url, "--registry", other),
    ]);
    expect([same.code, same.checks, elsewhere.code, elsewhere.checks]).toEqual([
      0,
      checks({ supersession: "skipped" }),
      1,
      // Not anchored where the verifier trusts; nothing at that address to ask about the signer.
      checks({ signer: "error", anchored: "invalid", revocation: "skipped", supersession: "skipped" }),
    ]);
  });

  it("says the chain checks could not be made when the node is unreachable or serves another chain (exit 2)", async () => {
    const [down, otherChain] = await Promise.all([
      cli(files.valid, "--trust", trustDir, "--rpc", closedUrl),
      cli(files.otherChain, "--trust", trustDir, "--rpc", node.url),
    ]);
    const chainDown = checks({
      signer: "error",
      anchored: "error",
      revocation: "error",
      supersession: "skipped",
    });
    const notVerified = ["result: NOT VERIFIED (a check could not be made; try again later)"];
    expect([down, otherChain]).toEqual([
      { code: 2, checks: chainDown, rest: notVerified, stderr: "" },
      { code: 2, checks: chainDown, rest: notVerified, stderr: "" },
    ]);
  });
});

describe("hocba verify --api", () => {
  it("prints the service's checks: valid, revoked, tampered (exits 0, 1, 1)", async () => {
    const [valid, revoked, tampered] = await Promise.all([
      cli(files.valid, "--api", apiUrl),
      cli(files.revoked, "--api", apiUrl),
      cli(files.tampered, "--api", apiUrl),
    ]);
    expect([valid, revoked.code, revoked.checks, tampered.code, tampered.checks]).toEqual([
      { code: 0, checks: checks(), rest: ["result: VALID"], stderr: "" },
      1,
      checks({ revocation: "invalid" }),
      1,
      checks({ integrity: "invalid", signature: "invalid" }),
    ]);
  });

  it("reports a revocation whose on-chain write is still pending as revoked (exit 1)", async () => {
    const document = transcript();
    const [credential] = await issueCredentials<Credential>(t, pki, [document]);
    const revoke = await t.app.inject({
      method: "POST",
      url: `/api/v1/transcripts/${document.id}/revoke`,
      headers: { authorization: `Bearer ${t.schoolKey}` },
      payload: { reason: "Sai điểm môn Toán" },
    });
    // No anchoring round runs before the verification (settle is not called).
    const file = tmp.write("pending-revocation.hocba.json", JSON.stringify(credential));
    const run = await runCli(["verify", file, "--api", apiUrl], { HOCBA_TRUST_DIR: "", HOCBA_API_KEY: "" });
    const { rows } = await db.query<{ revoked_at: Date }>("SELECT revoked_at FROM documents WHERE id = $1", [
      document.id,
    ]);
    const revokedAt = new Date(rows[0]!.revoked_at).toISOString();
    // The verifier page's ports (the public routes of this API) see it too.
    const page = await verifyCredential(credential, await verificationContext({ api: apiUrl }));
    expect([
      revoke.statusCode,
      run.code,
      printed(run.stdout).checks,
      run.stdout.split("\n")[6],
      page.checks.find((check) => check.name === "revocation"),
    ]).toEqual([
      202,
      1,
      checks({ revocation: "invalid" }),
      `revocation    INVALID  the document was revoked by its issuer at ${revokedAt}; the on-chain write is pending`,
      {
        name: "revocation",
        status: "invalid",
        message: `the document was revoked by its issuer at ${revokedAt}; the on-chain write is pending`,
        data: { leaf: credential!.anchor.leaf, revokedAt, onChain: false },
      },
    ]);
  });

  it("takes the API from HOCBA_API_URL when no trust folder is given", async () => {
    const io = captureIo({ HOCBA_API_URL: apiUrl });
    expect(await verify([files.valid], io)).toBe(0);
  });

  it("exits 2 when the API cannot be reached, and with the API's code when it refuses the key", async () => {
    const [down, badKey] = await Promise.all([
      runCli(["verify", files.valid, "--api", closedUrl]),
      runCli(["verify", files.valid, "--api", apiUrl, "--api-key", "hocba_v_nope_nope"]),
    ]);
    expect([
      down.code,
      down.stdout,
      down.stderr.startsWith(
        "hocba verify: could not verify through the API: API_UNAVAILABLE: cannot reach the hocba API",
      ),
    ]).toEqual([2, "", true]);
    expect([badKey.code, badKey.stderr]).toEqual([
      exitCodeFor("UNAUTHORIZED"),
      "hocba verify: UNAUTHORIZED: invalid or revoked credentials\n",
    ]);
  });
});

describe("hocba verify with bad input", () => {
  it("exits with the code of each problem, before verifying anything", async () => {
    const cases: [string[], string][] = [
      [[tmp.path("missing.hocba.json"), "--trust", trustDir], "IO"],
      [[files.notJson, "--trust", trustDir], "JSON_MALFORMED"],
      [[files.notObject, "--trust", trustDir], "SCHEMA_INVALID"],
      [[files.valid, "--trust", tmp.path("no-such-dir")], "IO"],
      [[files.valid, "--trust", tmp.dir], "CONFIG_INVALID"],
      [[files.valid], "USAGE"],
      [[], "USAGE"],
      [[files.valid, files.valid, "--trust", trustDir], "USAGE"],
      [[files.valid, "--trust", trustDir, "--frobnicate"], "USAGE"],
      [[files.valid, "--trust", trustDir, "--rpc", node.url, "--api", apiUrl], "USAGE"],
      [[files.valid, "--trust", trustDir, "--registry", registryAddress], "USAGE"],
      [[files.valid, "--trust", trustDir, "--rpc", "not a url"], "USAGE"],
      [[files.valid, "--trust", trustDir, "--rpc", node.url, "--registry", "0x1234"], "USAGE"],
      [[files.valid, "--trust", trustDir, "--rpc", node.url, "--chain-id", "-1"], "USAGE"],
      [[files.valid, "--api", "ftp://example.org"], "USAGE"],
      [[files.valid, "--trust", trustDir, "--api", apiUrl], "USAGE"],
      [[files.valid, "--trust", trustDir, "--api-key", "k"], "USAGE"],
      [[files.pdfWithout, "--trust", trustDir], "PDF_NO_CREDENTIAL"],
      [[files.notPdf, "--trust", trustDir], "PDF_INVALID"],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    expect(runs.map((run) => run.code)).toEqual(cases.map(([, code]) => exitCodeFor(code as never)));
    expect(runs.map((run) => run.stderr.split(":")[1]?.trim())).toEqual(cases.map(([, code]) => code));
  }, 120_000);

  it("says a JSON object that is not a credential is not a hocba file, not a forgery (exit 66), here and through the API", async () => {
    const io = captureIo({ HOCBA_TRUST_DIR: trustDir });
    const status = await verify([files.notCredential], io);
    const api = await cli(files.notCredential, "--api", apiUrl);
    const notHocba = {
      checks: CHECK_NAMES.map((name) => `${name}: ${name === "format" ? "invalid" : "skipped"}`),
      rest: ["result: NOT A HOCBA FILE (this is not a hocba/1 credential; nothing was verified)"],
    };
    expect([status, printed(io.stdoutText()), api]).toEqual([
      exitCodeFor("SCHEMA_INVALID"),
      notHocba,
      { code: exitCodeFor("SCHEMA_INVALID"), ...notHocba, stderr: "" },
    ]);
  });

  it("names the missing trust folder in the usage error", async () => {
    expect(await commandError(verify([files.valid], captureIo()))).toEqual({
      code: "USAGE",
      message: expect.stringMatching(
        /^--trust <dir of PEM roots> \(or HOCBA_TRUST_DIR\) is required to verify here; or let the service verify with --api <url>\n\nusage: hocba verify/,
      ) as unknown,
    });
  });
});
