/**
 * Issuance throughput and anchoring latency (issue 5 item 9), against the production parts:
 * the real `hocba serve` process on PostgreSQL + Redis (BullMQ) + a `hardhat node`.
 *
 *   1. sustained submissions: N distinct P-256-signed transcripts POSTed to /transcripts/batch in
 *      bodies of 1,000 over a few concurrent connections → accepted documents/s, p50/p99 per request;
 *   2. the time from the last accepted submission until every document's batch is confirmed;
 *   3. the anchoring work itself for one batch of N (createBatch: claim + Merkle build + packed tree
 *      write; submitBatches: sign + record + broadcast; confirmBatches: receipt → confirmed), run
 *      in this process against a schema filled with N pending placeholder rows, with the time of
 *      every SQL statement, and the derivation of all N proofs from the stored tree;
 *   4. the server's peak RSS (/proc/<pid>/status VmRSS, sampled every 100 ms) during 1 and 2.
 *
 * `--durable` (issue 12 item 7): phases 1, 2 and 4 for CAdES-T documents from a school registered
 * with its leaf certificate alone (the CA in TRUST_INTERMEDIATES_DIR), with REQUIRE_TIMESTAMP=true
 * and CERT_STATUS=require against OpenSSL's TSA, OCSP responder and CRLs — every accepted document
 * is stored CAdES-LT, its status evidence fetched once per certificate and cached — plus the
 * server's CPU time per accepted document (/proc), less sensitive to a shared machine's load.
 *
 * The signed set is cached under bench/out/ (signing 100,000 takes minutes). Everything started is
 * stopped and removed at the end: processes, the schemas, the Redis prefix, temp folders.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import type { Database } from "../service/src/adapters/db/database";
import { migrate } from "../service/src/adapters/db/migrate";
import { measureAnchoringWork } from "./lib/anchoring-work";
import { durableSet, type DurableSet } from "./lib/durable-set";
import { BENCH_SCHOOL, signedSet } from "./lib/signed-set";
import {
  cpuSeconds,
  createSchema,
  ensureBuilt,
  rssSampler,
  type Server,
  serverEnv,
  startChain,
  startServer,
  Teardown,
  tempDir,
} from "./lib/stack";
import type { BenchOptions } from "./run";

const SEED = 1;
const OUT = path.join(__dirname, "out");
const MB = 1024 * 1024;

const ms = (t: number) => `${t.toFixed(0)} ms`;
const s = (t: number) => `${(t / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const n = (x: number) => Math.round(x).toLocaleString("en-US");

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function registerSchool(server: Server, adminToken: string, chainPem: string): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/admin/issuers`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      kind: "school",
      code: BENCH_SCHOOL.code,
      name: BENCH_SCHOOL.name,
      certificates: [chainPem],
    }),
  });
  const body = (await response.json()) as { apiKey?: string };
  if (response.status !== 201 || !body.apiKey)
    throw new Error(`registering the school: ${response.status} ${JSON.stringify(body)}`);
  return body.apiKey;
}

interface SubmitFigures {
  accepted: number;
  rejected: Map<string, number>;
  seconds: number;
  latencies: number[];
  lastResponseAt: number;
}

/** Phase 1: every chunk POSTed once, `connections` requests in flight. */
async function submitAll(
  server: Server,
  apiKey: string,
  set: Pick<DurableSet, "chunks" | "chunk">,
  connections: number,
): Promise<SubmitFigures> {
  let next = 0;
  let accepted = 0;
  const rejected = new Map<string, number>();
  const latencies: number[] = [];
  let lastResponseAt = 0;
  const started = performance.now();
  const connection = async () => {
    for (let i = next++; i < set.chunks; i = next++) {
      const body = set.chunk(i);
      const t0 = performance.now();
      const response = await fetch(`${server.url}/api/v1/transcripts/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body,
      });
      const text = await response.text();
      const t1 = performance.now();
      latencies.push(t1 - t0);
      lastResponseAt = Math.max(lastResponseAt, t1);
      if (response.status !== 207) {
        const key = `HTTP ${response.status} ${text.slice(0, 200)}`;
        rejected.set(key, (rejected.get(key) ?? 0) + 1);
        continue;
      }
      const { results } = JSON.parse(text) as {
        results: { status: number; body: { error?: { code: string } } }[];
      };
      for (const result of results) {
        if (result.status === 202) accepted++;
        else {
          const code = `${result.status} ${result.body.error?.code ?? "(already stored)"}`;
          rejected.set(code, (rejected.get(code) ?? 0) + 1);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, connection));
  return { accepted, rejected, seconds: (lastResponseAt - started) / 1000, latencies, lastResponseAt };
}

// Batches never overlap and a batch's leaf_count is its number of documents (migration 004).
const UNCONFIRMED_SQL = `SELECT ((SELECT count(*) FROM documents)
  - (SELECT coalesce(sum(leaf_count), 0) FROM batches WHERE state = 'confirmed'))::int AS n`;

/** Phase 2: polls the database until no document waits for a confirmed batch. */
async function waitAnchored(db: Database, since: number, timeoutMs: number) {
  const pendingAtLast = (await db.query<{ n: number }>(UNCONFIRMED_SQL)).rows[0]!.n;
  for (;;) {
    const { n: open } = (await db.query<{ n: number }>(UNCONFIRMED_SQL)).rows[0]!;
    if (open === 0) break;
    if (performance.now() - since > timeoutMs)
      throw new Error(`${open} documents still not anchored after ${timeoutMs} ms`);
    await sleep(100);
  }
  const anchoredAfter = performance.now() - since;
  const { rows } = await db.query<{ batches: number; min: number; max: number; docs: number; txs: number }>(
    `SELECT count(*)::int AS batches, min(leaf_count)::int AS min, max(leaf_count)::int AS max,
            sum(leaf_count)::int AS docs, count(DISTINCT tx_hash)::int AS txs FROM batches WHERE state = 'confirmed'`,
  );
  return { pendingAtLast, anchoredAfter, ...rows[0]! };
}

/**
 * The production parts for phases 1, 2 and 4: a hardhat node with the registry, a PostgreSQL
 * schema, a Redis prefix, and `hocba serve` on them trusting `rootPem`, plus `env`.
 */
async function startIssuanceServer(
  teardown: Teardown,
  label: string,
  documents: number,
  rootPem: string,
  processes: number,
  env: Record<string, string> = {},
): Promise<{ db: Database; server: Server; adminToken: string }> {
  const chain = await startChain(teardown);
  const { db, url: databaseUrl } = await createSchema(teardown, label);
  const adminToken = randomBytes(24).toString("hex");
  const server = await startServer(
    teardown,
    {
      ...serverEnv(teardown, `issuance-${label}`, {
        databaseUrl,
        registry: chain.registry,
        rpcUrl: chain.node.url,
        rootPem,
        adminToken,
      }),
      ANCHOR_MAX_BATCH: String(documents),
      HTTP_PROCESSES: String(processes),
      ...env,
    },
    path.join(OUT, `issuance-${label}-server.log`),
  );
  return { db, server, adminToken };
}

export async function run(options: BenchOptions): Promise<void> {
  if (options.durable) return runDurable(options);
  const documents = options.documents ?? 100_000;
  const connections = options.connections ?? 3;
  const load = loadavg();
  const set = await signedSet(OUT, documents, SEED);
  ensureBuilt();
  console.log(
    `${n(documents)} signed transcripts (P-256, grades 8-9) in ${set.chunks} bodies of ≤ 1,000, mean ${mb(set.meanChunkBytes)}; ${connections} connections; ${options.processes ?? 1} server process(es)`,
  );
  const teardown = new Teardown();
  process.once("SIGINT", () => void teardown.run().then(() => process.exit(130)));
  try {
    const { db, server, adminToken } = await startIssuanceServer(
      teardown,
      "http",
      documents,
      set.pki.rootPem,
      options.processes ?? 1,
    );
    const rss = rssSampler(server.pid);
    teardown.add("rss sampler", () => rss.stop());
    const rssIdle = rss.peak();
    const apiKey = await registerSchool(server, adminToken, set.pki.signerChainPem);

    console.log("1. submitting…");
    rss.reset();
    const cpu0 = cpuSeconds(server.pid);
    const submitted = await submitAll(server, apiKey, set, connections);
    const cpu1 = cpuSeconds(server.pid);
    const rssSubmit = rss.peak();
    console.log("2. waiting until every document is anchored…");
    rss.reset();
    const anchoring = await waitAnchored(db, submitted.lastResponseAt, 600_000);
    const rssAnchor = rss.peak();
    rss.stop();
    // Stop the server before phase 3: it signs with the same anchoring key.
    await teardown.run();

    console.log("3. anchoring work for one batch (a plain-Node child process)…");
    const chain2 = await startChain(teardown);
    const anchorSchema = await createSchema(teardown, "anchor");
    await migrate(anchorSchema.db);
    const work = await measureAnchoringWork(
      OUT,
      anchorSchema.url,
      chain2.node.url,
      chain2.registry,
      documents,
    );
    const loadAfter = loadavg();

    const rows: [string, string, string][] = [
      ...phase1Rows(submitted, documents, cpu1 - cpu0, "1,000"),
      ["2. not yet anchored at the last response", n(anchoring.pendingAtLast), ""],
      ["2. last response → all anchored", s(anchoring.anchoredAfter), "≤ 60 s"],
      [
        "2. batches (= anchor transactions) used, leaves min / max",
        `${anchoring.batches} (${anchoring.txs} tx), ${n(anchoring.min)} / ${n(anchoring.max)}`,
        "",
      ],
      [
        "4. server RSS: idle / peak in 1 / peak in 2",
        `${mb(rssIdle)} / ${mb(rssSubmit)} / ${mb(rssAnchor)}`,
        "< 1 GB",
      ],
      [`3. createBatch (claim + Merkle build + tree write) of ${n(documents)}`, ms(work.createMs), ""],
      ...work.createQueries.map(([sql, t]): [string, string, string] => [`3.   SQL: ${sql}…`, ms(t), ""]),
      ["3.   Merkle build alone (buildPackedTree, in memory)", ms(work.treeMs), ""],
      ["3. submitBatches (sign + record + broadcast)", ms(work.submitMs), ""],
      [`3. confirmBatches until confirmed (${work.confirmRounds} round(s))`, ms(work.confirmMs), ""],
      [
        "3. total anchoring work (create + submit + confirm)",
        ms(work.createMs + work.submitMs + work.confirmMs),
        "≤ 3 s",
      ],
      [
        `3. all ${n(documents)} proofs derived from the stored tree (${mb(work.treeBytes)}, ${n(work.proofNodes)} nodes)`,
        ms(work.proofsMs),
        "",
      ],
    ];
    console.log(`\nload average (1 min): ${load[0]!.toFixed(1)} → ${loadAfter[0]!.toFixed(1)}`);
    console.log(`(filling ${n(documents)} placeholder rows for 3 took ${ms(work.fillMs)})`);
    console.log("\n| measure | value | target |\n|---|---:|---:|");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  } finally {
    await teardown.run();
  }
}

/** Phase 1's rows: what was accepted, how fast, the server's CPU per document, request latency. */
function phase1Rows(
  submitted: SubmitFigures,
  documents: number,
  cpuSeconds: number,
  perRequest: string,
): [string, string, string][] {
  const sorted = [...submitted.latencies].sort((a, b) => a - b);
  const rejected: [string, string, string][] =
    submitted.rejected.size === 0
      ? []
      : [
          [
            "REJECTED (items, or whole requests for HTTP)",
            [...submitted.rejected].map(([k, v]) => `${v}× ${k}`).join("; "),
            "",
          ],
        ];
  return [
    ...rejected,
    ["documents accepted (202) / sent", `${n(submitted.accepted)} / ${n(documents)}`, ""],
    ["1. accepted documents/s, end to end", n(submitted.accepted / submitted.seconds), "≥ 1,000/s"],
    ["1. submission wall time", s(submitted.seconds * 1000), ""],
    [
      "1. server CPU time per accepted document (user + system)",
      `${((1e6 * cpuSeconds) / Math.max(1, submitted.accepted)).toFixed(0)} µs`,
      "",
    ],
    [
      `1. per request (${perRequest} items): p50 / p99 / max`,
      `${ms(percentile(sorted, 50))} / ${ms(percentile(sorted, 99))} / ${ms(sorted.at(-1) ?? NaN)}`,
      "",
    ],
  ];
}

/** Items per body in the durable run: a few thousand documents still make several requests. */
const DURABLE_BODY = 100;

async function runDurable(options: BenchOptions): Promise<void> {
  const documents = options.documents ?? 1_000;
  const connections = options.connections ?? 3;
  ensureBuilt();
  const set = await durableSet(documents, DURABLE_BODY);
  const teardown = new Teardown();
  teardown.add("TSA, CA, OCSP responder", () => set.close());
  process.once("SIGINT", () => void teardown.run().then(() => process.exit(130)));
  try {
    const load = loadavg();
    console.log(
      `${n(documents)} CAdES-T transcripts (P-256 leaf of OpenSSL's CA, OpenSSL TSA) in ${set.chunks} bodies of ≤ ${DURABLE_BODY}, mean ${(set.meanChunkBytes / 1024).toFixed(0)} KB; ${connections} connections; ${options.processes ?? 1} server process(es)`,
    );
    const intermediates = tempDir(teardown, "intermediates");
    writeFileSync(path.join(intermediates, "ca.pem"), set.pki.intermediate.pem);
    const { db, server, adminToken } = await startIssuanceServer(
      teardown,
      "durable",
      documents,
      set.pki.rootPem,
      options.processes ?? 1,
      {
        TRUST_INTERMEDIATES_DIR: intermediates,
        AIA_FETCH: "off",
        TSA_TRUST_DIR: set.tsa.trustDir,
        REQUIRE_TIMESTAMP: "true",
        CERT_STATUS: "require",
      },
    );
    const rss = rssSampler(server.pid);
    teardown.add("rss sampler", () => rss.stop());
    // Registration checks the leaf's status too: count the status requests from here on.
    const apiKey = await registerSchool(server, adminToken, set.pki.leaves.good.pem);
    const statusAtRegistration = Object.fromEntries(set.pki.requests);

    console.log("1. submitting…");
    rss.reset();
    const cpu0 = cpuSeconds(server.pid);
    const submitted = await submitAll(server, apiKey, set, connections);
    const cpu1 = cpuSeconds(server.pid);
    const rssSubmit = rss.peak();
    const statusAfter = Object.fromEntries(set.pki.requests);
    console.log("2. waiting until every document is anchored…");
    const anchoring = await waitAnchored(db, submitted.lastResponseAt, 600_000);
    const stored = await db.query<{ n: number; lt: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE position('\\x060b2a864886f70d0109100218'::bytea IN signature) > 0)::int AS lt FROM documents`,
    );
    rss.stop();
    const loadAfter = loadavg();
    const rows: [string, string, string][] = [
      ...phase1Rows(submitted, documents, cpu1 - cpu0, String(DURABLE_BODY)),
      [
        "1. status requests (OCSP, CRLs) at registration / after all submissions",
        `${JSON.stringify(statusAtRegistration)} / ${JSON.stringify(statusAfter)}`,
        "once per certificate",
      ],
      [
        "stored documents / with revocation values (CAdES-LT)",
        `${n(stored.rows[0]!.n)} / ${n(stored.rows[0]!.lt)}`,
        "",
      ],
      ["2. last response → all anchored", s(anchoring.anchoredAfter), "≤ 60 s"],
      ["4. server RSS peak in 1", mb(rssSubmit), "< 1 GB"],
      ["(signing + timestamping the set, not measured above)", s(set.signSeconds * 1000), ""],
    ];
    console.log(`\nload average (1 min): ${load[0]!.toFixed(1)} → ${loadAfter[0]!.toFixed(1)}`);
    console.log("\n| measure | value | target |\n|---|---:|---:|");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  } finally {
    await teardown.run();
  }
}
