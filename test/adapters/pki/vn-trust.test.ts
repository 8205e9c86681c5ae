/**
 * Trust the way Vietnam has it (issue 12 item 5): the national root is the anchor, a licensed CA
 * (VNPT-CA-like) is the intermediate, and a school registers with just the certificate exported
 * from its token. The PKI is made by the `openssl` command (test/helpers/vn-pki.ts); the licensed
 * CA's certificate is published by a real HTTP server that counts its requests. The path is
 * completed from TRUST_INTERMEDIATES_DIR, or through the leaf's AIA caIssuers URL — fetched once,
 * kept in memory and under the cache folder, so neither a second school nor a restart fetches it
 * again — and an AIA that answers 404, garbage, too much or nothing is a clear CERT_CHAIN_INCOMPLETE.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPGliteDatabase, type Database } from "../../../service/src/adapters/db/database";
import { migrate } from "../../../service/src/adapters/db/migrate";
import { aiaFetcher } from "../../../service/src/adapters/pki/aia-fetcher";
import { nodeCrypto } from "../../../service/src/adapters/pki/node-crypto";
import { readCertificateDir } from "../../../service/src/adapters/pki/trust-dir";
import { verifySignature } from "../../../service/src/cli/commands/verify-signature";
import { canonicalBytes } from "../../../service/src/core/documents/hash";
import { createTrustStore, verifyDetached, type TrustStore } from "../../../service/src/core/pki";
import { submitDocuments } from "../../../service/src/issuance/documents";
import { checkSignerCertificate, registerIssuer } from "../../../service/src/issuance/issuers";
import { schoolTranscript, TEST_SCHOOL } from "../../helpers/credentials";
import { rejectionOf } from "../../helpers/errors";
import { captureIo } from "../../helpers/cli";
import { tempDir } from "../../helpers/files";
import { fingerprintOf, registryOf, SCHOOL_CODE } from "../../helpers/pki";
import { makeVietnamPki, signWithLeaf, type OpensslCertificate, type VietnamPki } from "../../helpers/vn-pki";

const tmp = tempDir("vn-trust");
let pki: VietnamPki;
let server: http.Server;
let base: string;
/** Requests per path, as the CA's web server saw them. */
const requests = new Map<string, number>();
const leaves: Record<string, OpensslCertificate> = {};

/** The rejection's code and message (checkSignerCertificate's details are not asserted here). */
const errorOf = async (run: Promise<unknown>) => {
  const { code, message } = await rejectionOf(run);
  return { code, message };
};

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const path = request.url ?? "";
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const send = (type: string, body: Uint8Array | string) => {
      response.writeHead(200, { "content-type": type });
      response.end(body);
    };
    if (path === "/vnpt-ca.cer") return send("application/pkix-cert", pki.licensedCa.der);
    if (path === "/vnpt-ca.p7c") return send("application/pkcs7-mime", pki.licensedCaP7c);
    if (path === "/vnpt-ca.pem") return send("application/x-pem-file", pki.licensedCa.pem);
    if (path === "/garbage.cer") return send("text/html", "<html>Trang không tồn tại</html>");
    if (path === "/huge.cer") return send("application/pkix-cert", new Uint8Array(300_000).fill(0x30));
    if (path === "/slow.cer") return; // never answers
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mkdirSync(tmp.path("pki"));
  pki = makeVietnamPki(tmp.path("pki"));
  for (const [name, path] of [
    ["der", "/vnpt-ca.cer"],
    ["second", "/vnpt-ca.cer"],
    ["p7c", "/vnpt-ca.p7c"],
    ["pem", "/vnpt-ca.pem"],
    ["missing", "/missing.cer"],
    ["garbage", "/garbage.cer"],
    ["huge", "/huge.cer"],
    ["slow", "/slow.cer"],
  ] as const)
    leaves[name] = pki.leaf(name, `${base}${path}`);
  leaves.noAia = pki.leaf("no-aia", undefined);
}, 120_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  tmp.dispose();
});

/** The national root as the anchor, with `options` (intermediates folder, AIA fetcher). */
const storeOf = (options: Parameters<typeof createTrustStore>[1] = {}): TrustStore =>
  createTrustStore([pki.root.pem], options);

describe("a school registered with the leaf certificate alone", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPGliteDatabase();
    await migrate(db);
  });
  afterAll(() => db.close());

  const register = (store: TrustStore, code: string, leaf: OpensslCertificate) =>
    registerIssuer(
      { db, trustAnchors: store, crypto: nodeCrypto },
      { kind: "school", code, name: TEST_SCHOOL.name, certificates: [leaf.pem] },
      "admin",
    );

  it("is refused without the licensed CA: no intermediates folder and no AIA fetching", async () => {
    expect(await errorOf(register(storeOf(), "79000790", leaves.der!))).toEqual({
      code: "CERT_UNTRUSTED",
      message: `certificate 1: no path from "C=VN, O=Trường THCS Nguyễn Du, title=Hiệu trưởng, CN=Nguyễn Văn Hùng der" to a trust anchor (issuer "C=VN, O=VNPT Group (test), CN=VNPT Certification Authority")`,
    });
  });

  it("is accepted with the licensed CA in TRUST_INTERMEDIATES_DIR (DER .cer), and its document signed by the leaf alone is stored", async () => {
    const folder = tmp.path("intermediates");
    mkdirSync(folder);
    writeFileSync(`${folder}/vnpt-ca.cer`, pki.licensedCa.der);
    const store = storeOf({ intermediates: readCertificateDir(folder, "intermediate CAs") });
    const registered = await register(store, SCHOOL_CODE, leaves.noAia!);
    expect(registered.certificates).toEqual([
      {
        fingerprint: fingerprintOf(leaves.noAia!.der),
        subject: "C=VN, O=Trường THCS Nguyễn Du, title=Hiệu trưởng, CN=Nguyễn Văn Hùng no-aia",
        role: "principal",
      },
    ]);
    const document = schoolTranscript(120_001);
    const signature = signWithLeaf(pki.dir, leaves.noAia!, canonicalBytes(document));
    const [result] = await submitDocuments(
      { db, trustAnchors: store, crypto: nodeCrypto, requiredRoles: ["principal"] },
      { issuerCode: SCHOOL_CODE, actor: "test" },
      [{ document, signature: Buffer.from(signature).toString("base64") }],
    );
    expect(result).toEqual({
      ok: true,
      id: document.id,
      docHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown,
      status: "pending",
      created: true,
    });
    expect(requests.size).toBe(0); // nothing was fetched
  });

  it("is accepted through the AIA caIssuers URL, fetched once: a second school and a restart read the cache", async () => {
    const cacheDir = tmp.path("aia-cache");
    const fetcher = aiaFetcher({ cacheDir });
    await register(storeOf({ fetchIssuer: fetcher }), "79000791", leaves.der!);
    await register(storeOf({ fetchIssuer: fetcher }), "79000792", leaves.second!);
    // A restart: a new store and fetcher over the same cache folder.
    const restarted = aiaFetcher({ cacheDir });
    const store = storeOf({ fetchIssuer: restarted });
    await expect(
      checkSignerCertificate(leaves.der!.pem, { trustAnchors: store, crypto: nodeCrypto }, new Date()),
    ).resolves.toMatchObject({
      fingerprint: fingerprintOf(leaves.der!.der),
    });
    const files = readdirSync(cacheDir);
    expect({
      served: requests.get("/vnpt-ca.cer"),
      fetchedByFirst: fetcher.requests(),
      fetchedAfterRestart: restarted.requests(),
      cached: files.length,
      mode: (statSync(`${cacheDir}/${files[0]}`).mode & 0o777).toString(8),
      known: store.intermediates.list().map((ca) => ca.subject),
    }).toEqual({
      served: 1,
      fetchedByFirst: 1,
      fetchedAfterRestart: 0,
      cached: 1,
      mode: "600",
      known: ["C=VN, O=VNPT Group (test), CN=VNPT Certification Authority"],
    });
  });

  it("reads the CA's answer as DER, certs-only PKCS#7 (.p7c) or PEM", async () => {
    const subjects = [];
    for (const name of ["p7c", "pem"]) {
      // A store each: a CA fetched on a valid path becomes a known intermediate of its store.
      const store = storeOf({ fetchIssuer: aiaFetcher() });
      const info = await checkSignerCertificate(
        leaves[name]!.pem,
        { trustAnchors: store, crypto: nodeCrypto },
        new Date(),
      );
      subjects.push(info.subject);
    }
    expect([subjects, requests.get("/vnpt-ca.p7c"), requests.get("/vnpt-ca.pem")]).toEqual([
      [
        "C=VN, O=Trường THCS Nguyễn Du, title=Hiệu trưởng, CN=Nguyễn Văn Hùng p7c",
        "C=VN, O=Trường THCS Nguyễn Du, title=Hiệu trưởng, CN=Nguyễn Văn Hùng pem",
      ],
      1,
      1,
    ]);
  });
});

describe("a signature that carries only the leaf", () => {
  it("verifies when the path is completed through AIA, every check valid", async () => {
    const document = schoolTranscript(120_002);
    const content = canonicalBytes(document);
    const cms = signWithLeaf(pki.dir, leaves.der!, content);
    const store = storeOf({ fetchIssuer: aiaFetcher({ cacheDir: tmp.path("aia-cache") }) });
    const report = await verifyDetached(content, cms, {
      trustAnchors: store,
      crypto: nodeCrypto,
      authorization: {
        issuerCode: SCHOOL_CODE,
        lookup: registryOf({ [fingerprintOf(leaves.der!.der)]: "principal" }),
      },
    });
    expect({
      ok: report.ok,
      checks: report.checks.map((check) => `${check.name}: ${check.status}`),
      chain: report.signers[0]!.chain,
    }).toEqual({
      ok: true,
      checks: [
        "structure: valid",
        "digest: valid",
        "signature: valid",
        "timestamp: skipped",
        "chain: valid",
        "validity: valid",
        "certStatus: skipped",
        "keyUsage: valid",
        "authorization: valid",
        "roles: valid",
      ],
      chain: [fingerprintOf(leaves.der!.der), fingerprintOf(pki.licensedCa.der), fingerprintOf(pki.root.der)],
    });
  });
});

describe("hocba verify-signature on a signature that carries only the leaf", () => {
  it("completes the path through the AIA caIssuers URL: every offline check valid", async () => {
    const document = schoolTranscript(120_003);
    const cms = signWithLeaf(pki.dir, leaves.pem!, canonicalBytes(document));
    const trust = tmp.path("roots");
    mkdirSync(trust);
    writeFileSync(`${trust}/root-ca.cer`, pki.root.der);
    const file = tmp.write(
      "signed.json",
      JSON.stringify({ document, signature: Buffer.from(cms).toString("base64") }),
    );
    const io = captureIo({});
    const exit = await verifySignature([file, "--trust", trust], io);
    expect([
      exit,
      io
        .stdoutText()
        .split("\n")
        .slice(0, 11)
        .map((line) => line.split(/\s+/).slice(0, 2).join(" ")),
    ]).toEqual([
      0,
      [
        "document VALID",
        "structure VALID",
        "digest VALID",
        "signature VALID",
        "timestamp SKIPPED",
        "chain VALID",
        "validity VALID",
        "certStatus SKIPPED",
        "keyUsage VALID",
        "authorization SKIPPED",
        "roles SKIPPED",
      ],
    ]);
  });
});

describe("an AIA that does not give the issuer", () => {
  const subject = (name: string) =>
    `C=VN, O=Trường THCS Nguyễn Du, title=Hiệu trưởng, CN=Nguyễn Văn Hùng ${name}`;
  const incomplete = (name: string, why: string) => ({
    code: "CERT_CHAIN_INCOMPLETE",
    message: `no path from "${subject(name)}" to a trust anchor: the issuer certificate of "${subject(name)}" is not installed (TRUST_INTERMEDIATES_DIR) and could not be fetched: ${why}`,
  });

  it.each([
    ["missing", "/missing.cer", "answered HTTP 404"],
    ["garbage", "/garbage.cer", "did not answer a certificate: neither DER, PKCS#7 nor PEM"],
    ["huge", "/huge.cer", "the answer is more than 262144 bytes"],
  ])("is CERT_CHAIN_INCOMPLETE when it answers %s, and is asked again next time", async (name, path, why) => {
    const store = storeOf({ fetchIssuer: aiaFetcher({ cacheDir: tmp.path(`cache-${name}`) }) });
    const url = `${base}${path}`;
    const message = why.startsWith("did not") ? `${url} ${why}` : `${url}: ${why}`;
    const first = await errorOf(
      checkSignerCertificate(leaves[name]!.pem, { trustAnchors: store, crypto: nodeCrypto }, new Date()),
    );
    const second = await errorOf(
      checkSignerCertificate(leaves[name]!.pem, { trustAnchors: store, crypto: nodeCrypto }, new Date()),
    );
    expect([first, second, requests.get(path)]).toEqual([
      incomplete(name, message),
      incomplete(name, message),
      2,
    ]);
  });

  it("is CERT_CHAIN_INCOMPLETE when it does not answer within the timeout", async () => {
    const store = storeOf({ fetchIssuer: aiaFetcher({ timeoutMs: 300 }) });
    expect(
      await errorOf(
        checkSignerCertificate(leaves.slow!.pem, { trustAnchors: store, crypto: nodeCrypto }, new Date()),
      ),
    ).toEqual(incomplete("slow", `${base}/slow.cer: no answer within 300 ms`));
  });

  it("is CERT_UNTRUSTED, not incomplete, when the certificate names no AIA", async () => {
    const store = storeOf({ fetchIssuer: aiaFetcher() });
    expect(
      await errorOf(
        checkSignerCertificate(leaves.noAia!.pem, { trustAnchors: store, crypto: nodeCrypto }, new Date()),
      ),
    ).toEqual({
      code: "CERT_UNTRUSTED",
      message: `no path from "${subject("no-aia")}" to a trust anchor (issuer "C=VN, O=VNPT Group (test), CN=VNPT Certification Authority")`,
    });
  });
});
