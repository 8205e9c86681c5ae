/**
 * Verification throughput (issue 6 item 7), against the production parts: the real `hocba serve`
 * process on PostgreSQL + Redis (BullMQ) + a `hardhat node` behind the chain port.
 *
 *   0. N + 10,000 distinct P-256-signed transcripts (plus 1,000 for warming up) are submitted,
 *      anchored and fetched back as credential files through the API — real anchored credentials.
 *      After a warm-up on the 1,000 (one batch, then WARM_UP_SECONDS of single verifications):
 *   1. single verifications: autocannon, 50 connections, anonymous POST /api/v1/verify (as from the
 *      public page; VERIFY_RATE_MAX lifted for the one client address), each of the N credentials
 *      sent once, never seen by the server before → verifications/s, p50/p99 latency, every
 *      answer checked to be `valid: true`;
 *   2. the same N credentials again for `--seconds` (everything the chain port caches is cached);
 *  2b. the same credentials at a steady 700/s for 10 s, open loop (bench/lib/open-loop.ts): the
 *      latency at a rate the machine sustains, counted from each request's due time;
 *   3. a batch verification of 10,000 other credentials: 10 POST /api/v1/verify/batch of 1,000
 *      with a verifier API key, one after the other → total wall time;
 * For phase 1 also how many of the machine's cores were busy, and with what: the server, this
 * process (the autocannon client), the rest (PostgreSQL, Redis, the node), and what the
 * hypervisor stole. And for each phase the JSON-RPC calls the server made (counted by a small
 * proxy between the server and the node), per verified document.
 *
 * `--processes N` runs the server as N processes on the port (HTTP_PROCESSES; CPU figures add them up).
 * Run with BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/out/profile" to see where the
 * server's time goes. Everything started is stopped and removed at the end.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { freePort } from "../service/src/adapters/chain/anvil";
import { grantIssuerAdmin, issueCredentials, waitIssuerOnChain } from "./lib/credentials";
import { api } from "./lib/http";
import { openLoop } from "./lib/open-loop";
import { BENCH_SCHOOL, CHUNK, signedSet } from "./lib/signed-set";
import {
  cpuSeconds,
  createSchema,
  ensureBuilt,
  type Server,
  serverEnv,
  startChain,
  startServer,
  Teardown,
} from "./lib/stack";
import type { BenchOptions } from "./run";

const SEED = 2;
const OUT = path.join(__dirname, "out");
const WARM_UP = 1_000;
/** Single verifications of the warm-up credentials before phase 1, as the graduates bench warms up. */
const WARM_UP_SECONDS = 5;
const BATCH = 10_000;
const CONNECTIONS = 50;
/** Phase 2b: a steady rate the machine sustains, to see the latency there rather than at saturation. */
const STEADY_RATE = 700;
const STEADY_SECONDS = 10;

const n = (x: number) => Math.round(x).toLocaleString("en-US");
const ms = (t: number) => `${t.toFixed(1)} ms`;

/** A JSON-RPC proxy in front of the node that counts the calls by method. */
async function countingProxy(teardown: Teardown, target: string) {
  const counts = new Map<string, number>();
  const server: HttpServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
        for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
          const method = call.method ?? "?";
          counts.set(method, (counts.get(method) ?? 0) + 1);
        }
      } catch {
        counts.set("(not JSON)", (counts.get("(not JSON)") ?? 0) + 1);
      }
      fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body })
        .then(async (answer) => {
          response.writeHead(answer.status, { "content-type": "application/json" });
          response.end(await answer.text());
        })
        .catch(() => {
          response.writeHead(502);
          response.end();
        });
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  teardown.add("JSON-RPC proxy", () => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${port}`,
    /** Calls since the last take, by method; resets the counts. */
    take(): Map<string, number> {
      const taken = new Map(counts);
      counts.clear();
      return taken;
    },
  };
}

/** Jiffies (1/100 s) of the whole machine since boot: busy (not idle or iowait), stolen by the hypervisor, all. */
function machineCpu(): { busy: number; steal: number; all: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user).
  const all = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: all - fields[3]! - fields[4]!, steal: fields[7]!, all };
}

/** Cores busy during a phase: the whole machine, the server, this process (the load client), the rest. */
function coresUsed(
  machine: [ReturnType<typeof machineCpu>, ReturnType<typeof machineCpu>],
  server: number,
  client: NodeJS.CpuUsage,
  seconds: number,
): string {
  const cores = (jiffies: number) => jiffies / 100 / seconds;
  const busy = cores(machine[1].busy - machine[0].busy);
  const serverCores = server / seconds;
  const clientCores = (client.user + client.system) / 1e6 / seconds;
  const steal = cores(machine[1].steal - machine[0].steal);
  return `${busy.toFixed(2)} of ${cpus().length}: server ${serverCores.toFixed(2)}, client ${clientCores.toFixed(2)}, the rest ${(busy - serverCores - clientCores).toFixed(2)}; stolen by the hypervisor ${steal.toFixed(2)}`;
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
const describeCalls = (counts: Map<string, number>) =>
  [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([method, count]) => `${method} ${n(count)}`)
    .join(", ") || "none";

interface SingleFigures {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  valid: number;
  non2xx: number;
  errors: number;
}

/**
 * autocannon over `bodies` (each sent once when `amount` is set, else cycled for `seconds`).
 * `seconds` is timed here, from the start to the last response: autocannon's own `duration` is
 * taken at its next one-second sample tick after the last response, so it counts whole seconds
 * (10,000 answered in 4.35 s, run 26, would have read 5.01 s: 1,996/s; RESULTS.md runs before 25 used it).
 */
async function single(
  server: Server,
  verifierKey: string | undefined,
  bodies: string[],
  limit: { amount: number } | { seconds: number },
): Promise<SingleFigures> {
  let next = 0;
  let valid = 0;
  const started = performance.now();
  let lastAnswer = started;
  const result = await autocannon({
    url: `${server.url}/api/v1/verify`,
    connections: CONNECTIONS,
    ...("amount" in limit ? { amount: limit.amount } : { duration: limit.seconds }),
    headers: {
      "content-type": "application/json",
      ...(verifierKey === undefined ? {} : { authorization: `Bearer ${verifierKey}` }),
    },
    requests: [
      {
        method: "POST",
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
        onResponse: (status, body) => {
          lastAnswer = performance.now();
          if (status === 200 && body.startsWith('{"valid":true')) valid++;
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    seconds: (lastAnswer - started) / 1000,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    valid,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Phase 3: the batch bodies one after the other; wall time and valid results. */
async function batch(server: Server, verifierKey: string, bodies: string[]) {
  const times: number[] = [];
  let valid = 0;
  const started = performance.now();
  for (let i = 0; i < bodies.length; i += CHUNK) {
    const t0 = performance.now();
    const { results } = await api<{ results: { valid: boolean }[] }>(
      server,
      verifierKey,
      "POST",
      "/api/v1/verify/batch",
      `{"credentials":[${bodies.slice(i, i + CHUNK).join(",")}]}`,
    );
    times.push(performance.now() - t0);
    valid += results.filter((result) => result.valid).length;
  }
  return { wallMs: performance.now() - started, times, valid };
}

export async function run(options: BenchOptions): Promise<void> {
  const singles = options.documents ?? 10_000;
  const documents = WARM_UP + singles + BATCH;
  const load = loadavg();
  const set = await signedSet(OUT, documents, SEED);
  ensureBuilt();
  const teardown = new Teardown();
  process.once("SIGINT", () => void teardown.run().then(() => process.exit(130)));
  try {
    const chain = await startChain(teardown);
    await grantIssuerAdmin(chain.node.url, chain.registry);
    const proxy = await countingProxy(teardown, chain.node.url);
    const { url: databaseUrl } = await createSchema(teardown, "verify");
    const adminToken = randomBytes(24).toString("hex");
    const server = await startServer(
      teardown,
      {
        ...serverEnv(teardown, "verify", {
          databaseUrl,
          registry: chain.registry,
          rpcUrl: proxy.url,
          rootPem: set.pki.rootPem,
          adminToken,
        }),
        // Single verifications are anonymous, as from the public page: the per-address limit is lifted.
        VERIFY_RATE_MAX: "1000000000",
        HTTP_PROCESSES: String(options.processes ?? 1),
      },
      path.join(OUT, "verify-server.log"),
    );
    const school = await api<{ apiKey: string }>(server, adminToken, "POST", "/api/v1/admin/issuers", {
      kind: "school",
      code: BENCH_SCHOOL.code,
      name: BENCH_SCHOOL.name,
      certificates: [set.pki.signerChainPem],
    });
    const { apiKey: verifierKey } = await api<{ apiKey: string }>(
      server,
      adminToken,
      "POST",
      "/api/v1/admin/verifiers",
      { label: "benchmark" },
    );
    await waitIssuerOnChain(chain.node.url, chain.registry, set.pki.signerChainPem);

    console.log(`0. issuing ${n(documents)} credentials (submit, anchor, fetch)…`);
    const i0 = performance.now();
    const credentials = await issueCredentials(server, school.apiKey, set);
    console.log(`   done in ${((performance.now() - i0) / 1000).toFixed(1)} s`);
    const warm = credentials.slice(0, WARM_UP);
    const singleSet = credentials.slice(WARM_UP, WARM_UP + singles);
    const batchSet = credentials.slice(WARM_UP + singles);

    // Warm the server's JIT on credentials of their own (their chain answers get cached, not the others').
    await batch(server, verifierKey, warm);
    // Then WARM_UP_SECONDS of single verifications over the same credentials (every server
    // process gets connections): 1,000 were too few — phase 1 then still ran on a half-warm heap
    // and JIT at ~1.3× the CPU per verification of a warm server (RESULTS.md runs 19–21).
    await single(server, undefined, warm, { seconds: WARM_UP_SECONDS });
    proxy.take();

    console.log(`1. single verifications: ${n(singles)} distinct credentials, ${CONNECTIONS} connections…`);
    const loadBefore = loadavg();
    const cpu0 = cpuSeconds(server.pid);
    const machine0 = machineCpu();
    const client0 = process.cpuUsage();
    const first = await single(server, undefined, singleSet, { amount: singles });
    const firstClient = process.cpuUsage(client0);
    const machine1 = machineCpu();
    const firstCalls = proxy.take();
    const cpu1 = cpuSeconds(server.pid);
    console.log(`2. the same credentials again for ${options.seconds} s…`);
    const again = await single(server, undefined, singleSet, { seconds: options.seconds });
    const againCalls = proxy.take();
    const cpu2 = cpuSeconds(server.pid);
    console.log(
      `2b. the same credentials at a steady ${n(STEADY_RATE)}/s for ${STEADY_SECONDS} s (open loop)…`,
    );
    let steadyNext = 0;
    const steady = await openLoop(server.url, { rate: STEADY_RATE, seconds: STEADY_SECONDS }, () => ({
      path: "/api/v1/verify",
      json: singleSet[steadyNext++ % singleSet.length]!,
      check: (status, body) => status === 200 && body.startsWith('{"valid":true'),
    }));
    const cpu2b = cpuSeconds(server.pid);
    console.log(`3. batch: ${n(BATCH)} other credentials as ${BATCH / CHUNK} requests of ${n(CHUNK)}…`);
    const batched = await batch(server, verifierKey, batchSet);
    const batchCalls = proxy.take();
    const cpu3 = cpuSeconds(server.pid);
    const perCpuSecond = (docs: number, seconds: number) =>
      `${n(docs / seconds)} (${seconds.toFixed(1)} CPU-s for ${n(docs)})`;
    const loadAfter = loadavg();

    const perDoc = (calls: Map<string, number>, docs: number) =>
      `${(total(calls) / docs).toFixed(3)} (${describeCalls(calls)})`;
    const rows: [string, string, string][] = [
      [
        "1. verifications/s (distinct credentials, first sight)",
        n(first.requests / first.seconds),
        "≥ 1,500/s",
      ],
      ["1. latency p50 / p99 / max", `${ms(first.p50)} / ${ms(first.p99)} / ${ms(first.max)}`, "p99 ≤ 50 ms"],
      [
        "1. answers valid / sent (non-2xx, errors)",
        `${n(first.valid)} / ${n(first.requests)} (${first.non2xx}, ${first.errors})`,
        "",
      ],
      ["1. chain calls per verification", perDoc(firstCalls, first.requests), "≤ 1–2"],
      ["1. verifications per CPU-second of the server", perCpuSecond(first.requests, cpu1 - cpu0), ""],
      [
        "1. cores busy",
        coresUsed(
          [machine0, machine1],
          cpu1 - cpu0,
          firstClient,
          (machine1.all - machine0.all) / 100 / cpus().length,
        ),
        "",
      ],
      ["2. verifications/s (same credentials again)", n(again.requests / again.seconds), ""],
      ["2. latency p50 / p99 / max", `${ms(again.p50)} / ${ms(again.p99)} / ${ms(again.max)}`, ""],
      ["2. answers valid / sent", `${n(again.valid)} / ${n(again.requests)}`, ""],
      ["2. chain calls per verification", perDoc(againCalls, again.requests), ""],
      ["2. verifications per CPU-second of the server", perCpuSecond(again.requests, cpu2 - cpu1), ""],
      [
        `2b. steady ${n(STEADY_RATE)}/s, open loop: answered (rate) / sent`,
        `${n(steady.answered)} (${n(steady.rate)}/s) / ${n(steady.sent)}; wrong ${steady.wrong}, errors ${steady.errors}`,
        "",
      ],
      [
        "2b. latency from the due time p50 / p90 / p99 / max",
        `${ms(steady.p50)} / ${ms(steady.p90)} / ${ms(steady.p99)} / ${ms(steady.max)}`,
        "",
      ],
      [`3. batch of ${n(BATCH)}: total wall time`, `${(batched.wallMs / 1000).toFixed(2)} s`, "< 15 s"],
      [
        "3. per request of 1,000: min / max",
        `${ms(Math.min(...batched.times))} / ${ms(Math.max(...batched.times))}`,
        "",
      ],
      ["3. results valid / sent", `${n(batched.valid)} / ${n(BATCH)}`, ""],
      ["3. chain calls per verification", perDoc(batchCalls, BATCH), ""],
      ["3. verifications per CPU-second of the server", perCpuSecond(BATCH, cpu3 - cpu2b), ""],
    ];
    console.log(
      `\nload average (1 min): ${load[0]!.toFixed(1)} at start, ${loadBefore[0]!.toFixed(1)} before 1, ${loadAfter[0]!.toFixed(1)} after 3`,
    );
    console.log("\n| measure | value | target |\n|---|---:|---:|");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  } finally {
    await teardown.run();
  }
}
