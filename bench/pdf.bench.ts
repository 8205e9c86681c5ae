/**
 * The printable PDF (GET /transcripts/:id/pdf): how long rendering one takes on one core — the
 * first of a process (font files read) and then steady state — for a four-year THCS transcript and
 * a three-year THPT one, with its size. Rendering only: the route adds a credential read and, for
 * a school, a share token insert.
 */
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

export async function run(options: BenchOptions): Promise<void> {
  const rows: string[] = [];
  for (const level of ["THCS", "THPT"] as const) {
    const credentials = Array.from({ length: 20 }, (_, seed) =>
      credentialOf(makeTranscript({ seed, school: { level } })),
    );
    const first = performance.now();
    const bytes = await renderTranscriptPdf(credentials[0]!, OPTIONS);
    const firstMs = performance.now() - first;
    const times: number[] = [];
    const until = performance.now() + options.seconds * 1000;
    for (let i = 1; performance.now() < until; i++) {
      const start = performance.now();
      await renderTranscriptPdf(credentials[i % credentials.length]!, OPTIONS);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(0);
    rows.push(
      `| ${level} (${(credentials[0]!.document as { years: unknown[] }).years.length} years) | ${firstMs.toFixed(0)} | ${at(0.5)} | ${at(0.99)} | ${times.length} | ${(bytes.length / 1024).toFixed(0)} KB |`,
    );
  }
  console.log("| transcript | first PDF ms | p50 ms | p99 ms | PDFs | size |");
  console.log("|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
}
