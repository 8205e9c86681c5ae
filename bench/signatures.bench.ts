/**
 * Signature verification throughput (issue 4 item 8): canonicalize + hash + full CMS verification
 * (structure, digest, signature, chain, validity at signing time, key usage, authorization lookup
 * through the port) per second on one core, for RSA-2048 and P-256 school signers under one
 * school chain, as in reality. Every document differs (content and signing time); only the
 * certificates repeat, which is what the caches exploit. Straight pkijs is measured beside it as
 * the baseline the levers are judged against.
 */
import * as pkijs from "pkijs";
import type { KeyAlgorithm } from "../service/src/adapters/pki/certificates";
import { nodeCrypto } from "../service/src/adapters/pki/node-crypto";
import { canonicalBytes } from "../service/src/core/documents/hash";
import {
  signDetached,
  verifyDetached,
  webCrypto,
  type Authorization,
  type PkiCrypto,
  type VerifyContext,
} from "../service/src/core/pki";
import { makeTranscript } from "../test/helpers/fixtures";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, signerOf } from "../test/helpers/pki";
import type { BenchOptions } from "./run";

const DOCUMENTS = 1000;

interface Signed {
  document: unknown;
  cms: Uint8Array;
}

/** Runs `step` over the documents in a loop: warm-up, then `seconds` of measurement; docs/s. */
async function measure(
  signed: Signed[],
  seconds: number,
  step: (item: Signed) => Promise<void>,
): Promise<number> {
  const warmUntil = performance.now() + Math.max(500, seconds * 200);
  for (let i = 0; performance.now() < warmUntil; i++) await step(signed[i % signed.length]!);
  const start = performance.now();
  const until = start + seconds * 1000;
  let count = 0;
  while (performance.now() < until) {
    for (let k = 0; k < 50; k++) await step(signed[(count + k) % signed.length]!);
    count += 50;
  }
  return count / ((performance.now() - start) / 1000);
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

type Prepared = Awaited<ReturnType<typeof prepare>>;

function hocbaStep(prepared: Prepared, crypto: PkiCrypto): (item: Signed) => Promise<void> {
  const context: VerifyContext = {
    trustAnchors: prepared.pki.store,
    crypto,
    authorization: { issuerCode: SCHOOL_CODE, lookup: prepared.lookup },
  };
  return async (item) => {
    const report = await verifyDetached(canonicalBytes(item.document), item.cms, context);
    if (!report.ok) throw new Error(`benchmark document failed: ${JSON.stringify(report.checks)}`);
  };
}

/** The baseline: pkijs parses the CMS and checks signature + chain for every document. */
function pkijsStep(prepared: Prepared): (item: Signed) => Promise<void> {
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
  for (const keyAlgorithm of ["RSA-2048", "P-256"] as const) {
    const prepared = await prepare(keyAlgorithm);
    const label = `${keyAlgorithm} (doc ${prepared.meanBytes} B, CMS ${prepared.cmsBytes} B)`;
    const cases: [string, (item: Signed) => Promise<void>][] = [
      ["hocba, node:crypto port (service)", hocbaStep(prepared, nodeCrypto)],
      ["hocba, WebCrypto port (browser path)", hocbaStep(prepared, webCrypto)],
      ["straight pkijs SignedData.verify (baseline)", pkijsStep(prepared)],
      ["canonicalize only (share of the total)", canonicalizeOnly],
    ];
    for (const [name, step] of cases) {
      const rate = await measure(prepared.signed, options.seconds, step);
      rows.push([label, name, Math.round(rate).toLocaleString("en-US")]);
      console.log(`${label} | ${name} | ${Math.round(rate)} docs/s`);
    }
  }
  console.log("\n| signer | case | docs/s per core |\n|---|---|---:|");
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
}
