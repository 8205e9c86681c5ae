/**
 * The soak (issue 16 item 4): a steady load held for minutes on the production parts — a
 * `hocba serve --no-worker` and a `hocba worker` process of the real CLI on PostgreSQL, Redis
 * (BullMQ) and a `hardhat node` — to see that nothing fails and nothing grows:
 *
 *   0. 2,000 signed transcripts submitted, anchored and fetched back as credential files (setup);
 *   1. for `--soak-seconds` (default 300; `--quick` 60), two open loops at once
 *      (bench/lib/open-loop.ts, latencies from each request's due time):
 *        - `--rate` (default 500) submissions/s, POST /api/v1/transcripts, each a new signed
 *          transcript (a set of rate × seconds, signed once and cached under bench/out/);
 *        - the same rate of verifications/s, anonymous POST /api/v1/verify over the 2,000 credentials;
 *   2. after the load: every acknowledged document anchored (the worker keeps up).
 *
 * Reported: answers and errors per route, p50/p90/p99/max per route, the resident memory of both
 * processes sampled every second — the peak of the first minute against the peak of the rest
 * (held: no more than 10 % above) — and the time from the last submission until all were anchored.
 * Ends with `soak: held` or `soak: failed — …` (and a non-zero exit).
 *
 *   npm run bench -- soak                     5 minutes at 500 + 500/s
 *   npm run bench -- soak --quick --rate 100  a minute at 100 + 100/s (a smoke run)
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import path from "node:path";
import { freePort } from "../service/src/adapters/chain/anvil";
import { BATCH_OF_DOCUMENT } from "../service/src/issuance/stores/batches";
import { hocbaProcess } from "./lib/fault-parts";
import { grantIssuerAdmin, issueCredentials, waitIssuerOnChain } from "./lib/credentials";
import { api } from "./lib/http";
import { openLoop, type OpenLoopResult } from "./lib/open-loop";
import { BENCH_SCHOOL, CHUNK, signedSet, type SignedSet } from "./lib/signed-set";
import { createSchema, ensureBuilt, rssSampler, serverEnv, startChain, Teardown } from "./lib/stack";
import type { BenchOptions } from "./run";

const SEED = 5;
const OUT = path.join(__dirname, "out");
/** Credentials verified during the soak, issued in phase 0 from the start of the signed set. */
const CREDENTIALS = 2_000;
/** Memory may end no more than this much above the first minute's peak. */
const MEMORY_GROWTH = 0.1;

const n = (x: number) => Math.round(x).toLocaleString("en-US");
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** The signed set's items as request bodies for POST /transcripts, one chunk parsed at a time. */
function submissions(set: SignedSet, from: number): () => string {
  let index = from;
  let chunk = -1;
  let items: unknown[] = [];
  return () => {
    const c = Math.floor(index / CHUNK);
    if (c !== chunk) {
      items = (JSON.parse(set.chunk(c)) as { items: unknown[] }).items;
      chunk = c;
    }
    const body = JSON.stringify(items[index % CHUNK]);
    index++;
    return body;
  };
}

/** RSS of a process every second: the peak within the first minute and the peak after it. */
function memoryWatch(pid: number) {
  const sampler = rssSampler(pid, 1000);
  let firstMinute = 0;
  const timer = setTimeout(() => {
    firstMinute = sampler.peak();
    sampler.reset();
  }, 60_000);
  return {
    stop(): { firstMinute: number; after: number } {
      clearTimeout(timer);
      const after = sampler.peak();
      sampler.stop();
      return firstMinute === 0 ? { firstMinute: after, after: 0 } : { firstMinute, after };
    },
  };
}

function row(route: string, r: OpenLoopResult): string {
  return `| ${route} | ${n(r.sent)} | ${n(r.answered)} | ${n(r.wrong)} | ${n(r.errors)} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} |`;
}

export async function run(options: BenchOptions): Promise<void> {
  const seconds = options.soakSeconds ?? (options.quick ? 60 : 300);
  const rate = options.rate ?? 500;
  const submitted = rate * seconds;
  const set = await signedSet(OUT, CREDENTIALS + submitted, SEED);
  ensureBuilt();
  const teardown = new Teardown();
  process.once("SIGINT", () => void teardown.run().then(() => process.exit(130)));
  const failures: string[] = [];
  try {
    const chain = await startChain(teardown);
    await grantIssuerAdmin(chain.node.url, chain.registry);
    const { url: databaseUrl, db } = await createSchema(teardown, "soak");
    const adminToken = randomBytes(24).toString("hex");
    const env = {
      ...serverEnv(teardown, "soak", {
        databaseUrl,
        registry: chain.registry,
        rpcUrl: chain.node.url,
        rootPem: set.pki.rootPem,
        adminToken,
      }),
      VERIFY_RATE_MAX: "1000000000",
    };
    const log = path.join(OUT, "soak.log");
    const api0 = hocbaProcess(teardown, "api", "serve", env, log, await freePort());
    await api0.start();
    const worker = hocbaProcess(teardown, "worker", "worker", env, log);
    await worker.start();
    const server = { url: api0.url! };
    const school = await api<{ apiKey: string }>(server, adminToken, "POST", "/api/v1/admin/issuers", {
      kind: "school",
      code: BENCH_SCHOOL.code,
      name: BENCH_SCHOOL.name,
      certificates: [set.pki.signerChainPem],
    });
    await waitIssuerOnChain(chain.node.url, chain.registry, set.pki.signerChainPem);

    console.log(`0. issuing ${n(CREDENTIALS)} credentials (submit, anchor, fetch)…`);
    const credentials = await issueCredentials(server, school.apiKey, set, CREDENTIALS / CHUNK);

    const pids = { api: api0.pid()!, worker: worker.pid()! };
    const load0 = loadavg();
    console.log(
      `1. ${seconds} s at ${n(rate)} submissions/s + ${n(rate)} verifications/s (load ${load0.map((l) => l.toFixed(1)).join(" ")})…`,
    );
    const apiMemory = memoryWatch(pids.api);
    const workerMemory = memoryWatch(pids.worker);
    const nextSubmission = submissions(set, CREDENTIALS);
    let nextCredential = 0;
    const started = performance.now();
    const [submit, verify] = await Promise.all([
      openLoop(server.url, { rate, seconds }, () => ({
        path: "/api/v1/transcripts",
        json: nextSubmission(),
        headers: { authorization: `Bearer ${school.apiKey}` },
        check: (status) => status === 202 || status === 200,
      })),
      openLoop(server.url, { rate, seconds }, () => ({
        path: "/api/v1/verify",
        json: credentials[nextCredential++ % credentials.length]!,
        check: (status, body) => status === 200 && body.startsWith('{"valid":true'),
      })),
    ]);
    const loadDone = performance.now();
    const apiRss = apiMemory.stop();
    const workerRss = workerMemory.stop();

    console.log(`2. waiting until every acknowledged document is anchored…`);
    const deadline = Date.now() + 900_000;
    let pending = Number.NaN;
    for (;;) {
      const { rows } = await db.query<{ pending: string }>(
        `SELECT count(*) FILTER (WHERE b.state IS DISTINCT FROM 'confirmed') AS pending
           FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT}`,
      );
      pending = Number(rows[0]!.pending);
      if (pending === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const drained = (performance.now() - loadDone) / 1000;
    const { rows: counted } = await db.query<{ total: string }>("SELECT count(*) AS total FROM documents");
    const stored = Number(counted[0]!.total);
    const load1 = loadavg();

    console.log(
      "\n| route | sent | answered | wrong | errors | answers/s | p50 ms | p90 ms | p99 ms | max ms |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|");
    console.log(row("POST /api/v1/transcripts", submit));
    console.log(row("POST /api/v1/verify", verify));
    console.log(
      `\nmemory (RSS): api ${mb(apiRss.firstMinute)} first minute → ${mb(apiRss.after)} after; worker ${mb(workerRss.firstMinute)} → ${mb(workerRss.after)}`,
    );
    console.log(
      `documents stored ${n(stored)} (expected ${n(CREDENTIALS + submit.answered - submit.wrong)}), not anchored ${n(pending)}, all anchored ${drained.toFixed(1)} s after the load; load ${load0.map((l) => l.toFixed(1)).join(" ")} → ${load1.map((l) => l.toFixed(1)).join(" ")}; wall ${((loadDone - started) / 1000).toFixed(1)} s`,
    );

    for (const [route, r] of [
      ["submissions", submit],
      ["verifications", verify],
    ] as const) {
      if (r.wrong + r.errors > 0) failures.push(`${route}: ${r.wrong} wrong answers, ${r.errors} errors`);
      if (r.answered < r.sent) failures.push(`${route}: ${r.sent - r.answered} unanswered`);
    }
    for (const [name, m] of [
      ["api", apiRss],
      ["worker", workerRss],
    ] as const) {
      if (m.after > m.firstMinute * (1 + MEMORY_GROWTH))
        failures.push(
          `${name} memory grew ${mb(m.firstMinute)} → ${mb(m.after)} (> ${MEMORY_GROWTH * 100} %)`,
        );
    }
    if (pending > 0) failures.push(`${pending} documents not anchored 15 minutes after the load`);
    if (stored !== CREDENTIALS + submit.answered - submit.wrong)
      failures.push(
        `${stored} documents stored, ${CREDENTIALS + submit.answered - submit.wrong} acknowledged`,
      );
  } finally {
    await teardown.run();
  }
  if (failures.length > 0) {
    console.log(`soak: failed — ${failures.join("; ")}`);
    process.exitCode = 1;
  } else {
    console.log("soak: held");
  }
}
