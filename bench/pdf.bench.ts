/**
 * The printable PDF (GET /transcripts/:id/pdf): how long rendering one takes on one core — the
 * first of a process (font files read) and then steady state — for a four-year THCS transcript and
 * a three-year THPT one, with its size, unsealed and sealed (the operator's PAdES seal: the
 * conversion block, a save without object streams, the byte range hashed and an ECDSA P-256 CMS).
 * Rendering only: the route adds a credential read and, for a school, a share token insert.
 */
import { loadSignerFromPem } from "../service/src/adapters/pki/keys";
import { issueCertificate } from "../service/src/adapters/pki/certificates";
import type { PdfSeal } from "../service/src/adapters/pdf/seal";
import { renderTranscriptPdf, type PdfCredential } from "../service/src/adapters/pdf/transcript-pdf";
import { makeTranscript } from "../test/helpers/fixtures";
import type { BenchOptions } from "./run";

function credentialOf(document: unknown): PdfCredential {
  return {
    format: "hocba/1",
    document,
    signature: "MAA=",
    anchor: {
      chainId: 31337,
      registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      merkleRoot: `0x${"ab".repeat(32)}`,
      leaf: `0x${"cd".repeat(32)}`,
      proof: Array.from({ length: 17 }, (_, i) => `0x${i.toString(16).padStart(2, "0").repeat(32)}`),
      txHash: `0x${"ef".repeat(32)}`,
      blockNumber: 123456,
      anchoredAt: "2025-06-05T01:02:03.000Z",
    },
  };
}

const OPTIONS = {
  verifierLink: `https://hocba.example.vn/#credential=${encodeURIComponent(
    `https://hocba.example.vn/api/v1/transcripts/b7c1e2a4-0000-4000-8000-000000000000/credential?token=${"A".repeat(43)}`,
  )}`,
  verifierPage: "https://hocba.example.vn/",
};

async function benchSeal(): Promise<PdfSeal> {
  const issued = await issueCertificate({ subject: "C=VN, O=hocba bench, CN=Dấu chuyển đổi PDF" });
  const signer = await loadSignerFromPem({
    keyPem: issued.privateKeyPkcs8Pem,
    certPem: issued.certificatePem,
  });
  return { converter: "hocba bench — Dấu chuyển đổi PDF", subject: signer.subject, signer };
}

export async function run(options: BenchOptions): Promise<void> {
  const rows: string[] = [];
  const seal = await benchSeal();
  for (const [level, sealed] of [
    ["THCS", false],
    ["THCS", true],
    ["THPT", false],
    ["THPT", true],
  ] as const) {
    const render = (credential: PdfCredential) =>
      renderTranscriptPdf(credential, sealed ? { ...OPTIONS, seal } : OPTIONS);
    const credentials = Array.from({ length: 20 }, (_, seed) =>
      credentialOf(makeTranscript({ seed, school: { level } })),
    );
    const first = performance.now();
    const bytes = await render(credentials[0]!);
    const firstMs = performance.now() - first;
    const times: number[] = [];
    const until = performance.now() + options.seconds * 1000;
    for (let i = 1; performance.now() < until; i++) {
      const start = performance.now();
      await render(credentials[i % credentials.length]!);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(0);
    rows.push(
      `| ${level} (${(credentials[0]!.document as { years: unknown[] }).years.length} years) | ${sealed ? "sealed" : "unsealed"} | ${firstMs.toFixed(0)} | ${at(0.5)} | ${at(0.99)} | ${times.length} | ${(bytes.length / 1024).toFixed(0)} KB |`,
    );
  }
  console.log("| transcript | seal | first PDF ms | p50 ms | p99 ms | PDFs | size |");
  console.log("|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
}
