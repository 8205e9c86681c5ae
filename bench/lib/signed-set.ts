/**
 * The issuance benchmark's input: one school's PKI and N distinct transcripts signed by its
 * principal (P-256), already cut into request bodies of 1,000 items for POST /transcripts/batch.
 * Signing is the slow part (pkijs builds each CMS), so the set is kept on disk under bench/out/
 * (git-ignored), keyed by N and seed: a re-run reads it back instead of signing again. The PKI is
 * stored with it, since the signatures are only worth anything with the same root and signer.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadSignerFromPem } from "../../service/src/adapters/pki/keys";
import { canonicalBytes } from "../../service/src/core/documents/hash";
import { signDetached } from "../../service/src/core/pki";
import { makeTranscript } from "../../service/src/demo/documents";
import { issue } from "../../test/helpers/pki";

/** Items per request body: the batch endpoint's maximum. */
export const CHUNK = 1000;

export const BENCH_SCHOOL = {
  code: "79BENCH1",
  name: "Trường THCS Benchmark",
  province: "79",
  level: "THCS",
} as const;

export interface BenchPki {
  rootPem: string;
  /** Principal's certificate, then the school CA: what the admin API registers. */
  signerChainPem: string;
  signerKeyPem: string;
}

export interface SignedSet {
  dir: string;
  pki: BenchPki;
  documents: number;
  chunks: number;
  /** Mean bytes of one request body (1,000 items). */
  meanChunkBytes: number;
  /** Reads request body `i` (a JSON {items:[{document, signature}]}). */
  chunk(i: number): string;
}

async function makePki(): Promise<BenchPki> {
  const root = await issue({
    subject: "CN=Bench Root CA, O=Bộ GDĐT, C=VN",
    ca: true,
    keyAlgorithm: "RSA-2048",
  });
  const intermediate = await issue({
    subject: "CN=Bench School CA, O=Sở GDĐT TP.HCM, C=VN",
    ca: { pathLength: 0 },
    issuer: root,
    keyAlgorithm: "RSA-2048",
  });
  const principal = await issue({
    subject: "CN=Nguyễn Văn Hùng, T=Hiệu trưởng, O=Trường THCS Benchmark, C=VN",
    issuer: intermediate,
    keyAlgorithm: "P-256",
  });
  return {
    rootPem: root.certificatePem,
    signerChainPem: principal.certificatePem + intermediate.certificatePem,
    signerKeyPem: principal.privateKeyPkcs8Pem,
  };
}

const chunkFile = (dir: string, i: number) => path.join(dir, `chunk-${String(i).padStart(4, "0")}.json`);

function open(dir: string, pki: BenchPki, documents: number): SignedSet {
  const chunks = Math.ceil(documents / CHUNK);
  let bytes = 0;
  for (let i = 0; i < chunks; i++) bytes += readFileSync(chunkFile(dir, i)).length;
  return {
    dir,
    pki,
    documents,
    chunks,
    meanChunkBytes: Math.round(bytes / chunks),
    chunk: (i) => readFileSync(chunkFile(dir, i), "utf8"),
  };
}

/** Signs chunks [from, to) of the set into `dir` (one signing process; see signedSet). */
async function signChunks(
  dir: string,
  documents: number,
  seed: number,
  from: number,
  to: number,
): Promise<void> {
  const pki = JSON.parse(readFileSync(path.join(dir, "pki.json"), "utf8")) as BenchPki;
  const signer = await loadSignerFromPem({ keyPem: pki.signerKeyPem, certPem: pki.signerChainPem });
  // Signing times in the past (transcripts are signed at the end of the school year), a second apart.
  const base = Date.parse("2025-06-01T00:00:00Z");
  for (let c = from; c < to; c++) {
    const items: { document: unknown; signature: string }[] = [];
    for (let i = c * CHUNK; i < Math.min(documents, (c + 1) * CHUNK); i++) {
      // Two school years (grades 8-9): ~3.7 KB canonical, so 1,000 items fit the default body limit.
      const document = makeTranscript({
        seed: seed * 10_000_000 + i,
        grades: [8, 9],
        school: { ...BENCH_SCHOOL },
      });
      const cms = await signDetached(canonicalBytes(document), [signer], {
        signingTime: new Date(base + i * 1000),
      });
      items.push({ document, signature: Buffer.from(cms).toString("base64") });
    }
    writeFileSync(chunkFile(dir, c), JSON.stringify({ items }));
  }
}

/**
 * The signed set for (documents, seed): read from bench/out/ when it was made before, otherwise
 * signed now by `processes` child processes (progress on stderr) and written there.
 */
export async function signedSet(
  outDir: string,
  documents: number,
  seed: number,
  processes = 2,
): Promise<SignedSet> {
  const dir = path.join(outDir, `issuance-${documents}-seed${seed}`);
  const pkiFile = path.join(dir, "pki.json");
  if (existsSync(path.join(dir, "complete"))) {
    return open(dir, JSON.parse(readFileSync(pkiFile, "utf8")) as BenchPki, documents);
  }
  const building = `${dir}.partial-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const pki = await makePki();
  writeFileSync(path.join(building, "pki.json"), JSON.stringify(pki, null, 2));
  const chunks = Math.ceil(documents / CHUNK);
  const per = Math.ceil(chunks / processes);
  const started = performance.now();
  process.stderr.write(`  signing ${documents} transcripts in ${processes} processes (cached afterwards)…\n`);
  const children = [];
  for (let from = 0; from < chunks; from += per) {
    const args = [building, documents, seed, from, Math.min(chunks, from + per)].map(String);
    const child = spawn(process.execPath, ["--import", "tsx", __filename, ...args], { stdio: "inherit" });
    children.push(
      new Promise<void>((resolve, reject) =>
        child.on("exit", (code) =>
          code === 0 ? resolve() : reject(new Error(`signer exited with ${code}`)),
        ),
      ),
    );
  }
  await Promise.all(children);
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `  signed ${documents} in ${seconds.toFixed(0)} s (${Math.round(documents / seconds)}/s)\n`,
  );
  writeFileSync(path.join(building, "complete"), "");
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return open(dir, pki, documents);
}

if (require.main === module) {
  const [dir, documents, seed, from, to] = process.argv.slice(2);
  signChunks(dir!, Number(documents), Number(seed), Number(from), Number(to)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
