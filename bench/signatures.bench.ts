/**
 * Signature verification throughput (issue 4 item 8): canonicalize + hash + full CMS verification
 * (structure, digest, signature, chain, validity at signing time, key usage, authorization lookup
 * through the port) per second on one core, for RSA-2048 and P-256 school signers under one
 * school chain, as in reality. Every document differs (content and signing time); only the
 * certificates repeat, which is what the caches exploit. Straight pkijs is measured beside it as
 * the baseline the levers are judged against.
 *
 * Issue 12 item 7 adds the durable forms: CAdES-T (every signer timestamped by OpenSSL's own TSA,
 * `openssl ts -reply`, test/helpers/tsa.ts; the token's imprint, signature and TSA path checked) and
 * CAdES-LT (the same, plus the signer path's OCSP response and CRL from OpenSSL's responder
 * embedded as revocation values by the service's own status checker, and checked offline), for a
 * P-256 school signer under OpenSSL's two-level CA (test/helpers/ocsp.ts). Each case also reports
 * the process CPU time per document, which a shared machine's load disturbs less than docs/s.
 */
import * as pkijs from "pkijs";
import type { KeyAlgorithm } from "../service/src/adapters/pki/certificates";
import { nodeCrypto } from "../service/src/adapters/pki/node-crypto";
import { httpStatusFetcher } from "../service/src/adapters/pki/status-http";
import { httpTimestamper } from "../service/src/adapters/pki/tsa-http";
import { canonicalBytes } from "../service/src/core/documents/hash";
import {
  signDetached,
  verifyDetached,
  webCrypto,
  createTrustStore,
  type Authorization,
  type PkiCrypto,
  type VerifyContext,
} from "../service/src/core/pki";
import {
  createCertificateStatusChecker,
  withCertificateStatus,
} from "../service/src/issuance/certificate-status";
import { makeTranscript } from "../test/helpers/fixtures";
import { makeStatusPki } from "../test/helpers/ocsp";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, signerOf } from "../test/helpers/pki";
import { startTsa } from "../test/helpers/tsa";
import type { BenchOptions } from "./run";

const DOCUMENTS = 1000;
/** Timestamped documents: each costs one `openssl ts -reply` process to make. */
const DURABLE_DOCUMENTS = 300;

interface Signed {
  document: unknown;
  cms: Uint8Array;
}

/**
 * Runs `step` over the documents in a loop: warm-up, then `seconds` of measurement; docs/s of wall
 * time, and the process's CPU time (user + system) per document in µs.
 */
async function measure(
  signed: Signed[],
  seconds: number,
  step: (item: Signed) => Promise<void>,
): Promise<{ rate: number; cpuMicros: number }> {
  const warmUntil = performance.now() + Math.max(500, seconds * 200);
  for (let i = 0; performance.now() < warmUntil; i++) await step(signed[i % signed.length]!);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const until = start + seconds * 1000;
  let count = 0;
  while (performance.now() < until) {
    for (let k = 0; k < 50; k++) await step(signed[(count + k) % signed.length]!);
    count += 50;
  }
  const used = process.cpuUsage(cpu);
  return {
    rate: count / ((performance.now() - start) / 1000),
    cpuMicros: (used.user + used.system) / count,
  };
}

async function prepare(keyAlgorithm: KeyAlgorithm) {
  const pki = await makeSchoolPki(keyAlgorithm);
  const roles = new Map([[fingerprintOf(pki.principal), "principal"]]);
  const lookup = (issuerCode: string, fingerprint: string): Promise<Authorization> => {
    const role = issuerCode === SCHOOL_CODE ? roles.get(fingerprint) : undefined;
    return Promise.resolve(role === undefined ? { authorized: false } : { authorized: true, role });
  };
  const base = Date.parse("2026-06-01T00:00:00Z");
  const signed: Signed[] = [];
  let bytes = 0;
  for (let i = 0; i < DOCUMENTS; i++) {
    const document = makeTranscript({ seed: i, grades: [8, 9] });
    const content = canonicalBytes(document);
    bytes += content.length;
    const cms = await signDetached(content, [signerOf(pki.principal, pki.intermediate)], {
      signingTime: new Date(base + i * 37_000),
    });
    signed.push({ document, cms });
  }
  return { pki, lookup, signed, meanBytes: Math.round(bytes / DOCUMENTS), cmsBytes: signed[0]!.cms.length };
}

type Prepared = Pick<Awaited<ReturnType<typeof prepare>>, "lookup" | "signed"> & {
  pki: { store: VerifyContext["trustAnchors"] };
  timestamps?: VerifyContext["timestamps"];
};

/**
 * P-256 documents under OpenSSL's CA, each timestamped by OpenSSL's TSA (CAdES-T), and the same
 * documents with the signer path's status evidence added as the service adds it on submission
 * (CAdES-LT): one OCSP request for the leaf and one CRL download for the intermediate, cached
 * per certificate for every document after the first.
 */
async function prepareDurable() {
  const [pki, tsa] = await Promise.all([makeStatusPki(), startTsa()]);
  try {
    const leaf = pki.leaves.good;
    const roles = new Map([[fingerprintOf(leaf.der), "principal"]]);
    const lookup = (issuerCode: string, fingerprint: string): Promise<Authorization> => {
      const role = issuerCode === SCHOOL_CODE ? roles.get(fingerprint) : undefined;
      return Promise.resolve(role === undefined ? { authorized: false } : { authorized: true, role });
    };
    const timestamps = { trustAnchors: createTrustStore([tsa.rootPem]), required: true };
    const checker = createCertificateStatusChecker({
      policy: "require",
      fetch: httpStatusFetcher({ timeoutMs: 10_000 }),
      crypto: nodeCrypto,
      maxAgeMs: 3_600_000,
    });
    const signer = await pki.signerOf("good");
    const timestamp = httpTimestamper(tsa.url);
    const t: Signed[] = [];
    const lt: Signed[] = [];
    const context: VerifyContext = {
      trustAnchors: pki.store,
      crypto: nodeCrypto,
      timestamps,
      authorization: { issuerCode: SCHOOL_CODE, lookup },
    };
    for (let i = 0; i < DURABLE_DOCUMENTS; i++) {
      const document = makeTranscript({ seed: 50_000 + i, grades: [8, 9] });
      const content = canonicalBytes(document);
      const cms = await signDetached(content, [signer], { timestamp });
      const report = await verifyDetached(content, cms, context);
      if (!report.ok) throw new Error(`CAdES-T document failed: ${JSON.stringify(report.checks)}`);
      t.push({ document, cms });
      lt.push({ document, cms: await withCertificateStatus(checker, cms, report) });
    }
    const requests = Object.fromEntries(pki.requests);
    return {
      t: { pki: { store: pki.store }, lookup, signed: t, timestamps },
      lt: { pki: { store: pki.store }, lookup, signed: lt, timestamps },
      cmsBytes: { t: t[0]!.cms.length, lt: lt[0]!.cms.length },
      requests,
    };
  } finally {
    await tsa.close();
    await pki.dispose();
  }
}

function hocbaStep(prepared: Prepared, crypto: PkiCrypto): (item: Signed) => Promise<void> {
  const context: VerifyContext = {
    trustAnchors: prepared.pki.store,
    crypto,
    authorization: { issuerCode: SCHOOL_CODE, lookup: prepared.lookup },
    ...(prepared.timestamps ? { timestamps: prepared.timestamps } : {}),
  };
  return async (item) => {
    const report = await verifyDetached(canonicalBytes(item.document), item.cms, context);
    if (!report.ok) throw new Error(`benchmark document failed: ${JSON.stringify(report.checks)}`);
  };
}

/** The baseline: pkijs parses the CMS and checks signature + chain for every document. */
function pkijsStep(prepared: Awaited<ReturnType<typeof prepare>>): (item: Signed) => Promise<void> {
  const trusted = [pkijs.Certificate.fromBER(prepared.pki.root.certificate.slice())];
  return async (item) => {
    const content = canonicalBytes(item.document);
    const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(item.cms.slice()).content });
    const ok = await signedData.verify({
      signer: 0,
      data: content.slice().buffer,
      trustedCerts: trusted,
      checkChain: true,
    });
    if (!ok) throw new Error("pkijs baseline failed");
  };
}

const canonicalizeOnly = (item: Signed): Promise<void> => {
  canonicalBytes(item.document);
  return Promise.resolve();
};

export async function run(options: BenchOptions): Promise<void> {
  const rows: string[][] = [];
  const record = async (
    label: string,
    name: string,
    signed: Signed[],
    step: (item: Signed) => Promise<void>,
  ) => {
    const { rate, cpuMicros } = await measure(signed, options.seconds, step);
    rows.push([
      label,
      name,
      Math.round(rate).toLocaleString("en-US"),
      Math.round(cpuMicros).toLocaleString("en-US"),
    ]);
    console.log(`${label} | ${name} | ${Math.round(rate)} docs/s | ${Math.round(cpuMicros)} µs CPU/doc`);
  };
  for (const keyAlgorithm of ["RSA-2048", "P-256"] as const) {
    const prepared = await prepare(keyAlgorithm);
    const label = `${keyAlgorithm} (doc ${prepared.meanBytes} B, CMS ${prepared.cmsBytes} B)`;
    const cases: [string, (item: Signed) => Promise<void>][] = [
      ["hocba, node:crypto port (service)", hocbaStep(prepared, nodeCrypto)],
      ["hocba, WebCrypto port (browser path)", hocbaStep(prepared, webCrypto)],
      ["straight pkijs SignedData.verify (baseline)", pkijsStep(prepared)],
      ["canonicalize only (share of the total)", canonicalizeOnly],
    ];
    for (const [name, step] of cases) await record(label, name, prepared.signed, step);
  }
  const durable = await prepareDurable();
  console.log(`(CAdES-T/LT set: status requests while making it ${JSON.stringify(durable.requests)})`);
  const durableCases: [string, Prepared, PkiCrypto][] = [
    [`P-256 CAdES-T (CMS ${durable.cmsBytes.t} B)`, durable.t, nodeCrypto],
    [`P-256 CAdES-T (CMS ${durable.cmsBytes.t} B)`, durable.t, webCrypto],
    [`P-256 CAdES-LT (CMS ${durable.cmsBytes.lt} B)`, durable.lt, nodeCrypto],
    [`P-256 CAdES-LT (CMS ${durable.cmsBytes.lt} B)`, durable.lt, webCrypto],
  ];
  for (const [label, prepared, crypto] of durableCases)
    await record(
      label,
      `hocba, ${crypto === nodeCrypto ? "node:crypto port (service)" : "WebCrypto port (browser path)"}`,
      prepared.signed,
      hocbaStep(prepared, crypto),
    );
  console.log("\n| signer | case | docs/s per core | CPU µs/doc |\n|---|---|---:|---:|");
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
}
