/**
 * The durable issuance benchmark's input (issue 12 item 7): a CA run by the `openssl` command with
 * its OCSP responder and CRLs (test/helpers/ocsp.ts) and OpenSSL's TSA (test/helpers/tsa.ts), and
 * N distinct transcripts signed by the CA's P-256 leaf "good", each signature timestamped by that
 * TSA (CAdES-T; the queries answered in batches, see `batchedTransport`), cut into request bodies.
 * Not cached on disk: the signatures are only worth anything while this CA's responder and this
 * TSA's root are the ones the server trusts, and both live as long as the benchmark.
 */
import { canonicalBytes } from "../../service/src/core/documents/hash";
import { requestTimestamp, signDetached, type TimestampTransport } from "../../service/src/core/pki";
import { makeTranscript } from "../../service/src/demo/documents";
import { makeStatusPki, type StatusPki } from "../../test/helpers/ocsp";
import { startTsa, type TestTsa } from "../../test/helpers/tsa";
import { BENCH_SCHOOL } from "./signed-set";

export interface DurableSet {
  pki: StatusPki;
  tsa: TestTsa;
  documents: number;
  chunks: number;
  meanChunkBytes: number;
  chunk(i: number): string;
  /** Seconds spent signing and timestamping. */
  signSeconds: number;
  close(): Promise<void>;
}

/** Signs `documents` transcripts with timestamps, in bodies of `perBody` items. */
export async function durableSet(documents: number, perBody: number): Promise<DurableSet> {
  const [pki, tsa] = await Promise.all([makeStatusPki(), startTsa()]);
  const close = async (): Promise<void> => {
    await tsa.close();
    await pki.dispose();
  };
  const signer = await pki.signerOf("good");
  const transport = batchedTransport(tsa);
  const timestamp = (value: Uint8Array) => requestTimestamp(value, transport);
  const bodies: string[] = [];
  const started = performance.now();
  process.stderr.write(`  signing and timestamping ${documents} transcripts (OpenSSL's TSA, in batches)…\n`);
  try {
    for (let from = 0; from < documents; from += perBody) {
      const items = await Promise.all(
        Array.from({ length: Math.min(documents, from + perBody) - from }, async (_, k) => {
          const document = makeTranscript({
            seed: 70_000_000 + from + k,
            grades: [8, 9],
            school: { ...BENCH_SCHOOL },
          });
          const cms = await signDetached(canonicalBytes(document), [signer], { timestamp });
          return { document, signature: Buffer.from(cms).toString("base64") };
        }),
      );
      bodies.push(JSON.stringify({ items }));
    }
  } catch (error) {
    // nothing may outlive a failed preparation: the TSA's and the responder's servers hold the process
    await close();
    throw error;
  }
  const signSeconds = (performance.now() - started) / 1000;
  process.stderr.write(`  signed ${documents} in ${signSeconds.toFixed(0)} s\n`);
  return {
    pki,
    tsa,
    documents,
    chunks: bodies.length,
    meanChunkBytes: Math.round(bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length),
    chunk: (i) => bodies[i]!,
    signSeconds,
    close,
  };
}

/**
 * A TSA transport that gathers the queries made within a few milliseconds and has OpenSSL answer
 * them together (`TestTsa.replyMany`): the same OpenSSL TSA, without one process start per token.
 */
function batchedTransport(tsa: TestTsa): TimestampTransport {
  let waiting: { query: Uint8Array; resolve(answer: Uint8Array): void; reject(error: unknown): void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    const batch = waiting;
    waiting = [];
    tsa.replyMany(batch.map((entry) => entry.query)).then(
      (answers) => batch.forEach((entry, i) => entry.resolve(answers[i]!)),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  };
  return (query) =>
    new Promise((resolve, reject) => {
      waiting.push({ query, resolve, reject });
      timer ??= setTimeout(flush, 20);
    });
}
