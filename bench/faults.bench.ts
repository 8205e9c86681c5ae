/**
 * The fault suite (issue 16 item 1): the production shape in small — a private PostgreSQL
 * cluster, a private Redis, anvil mining a block every second behind a TCP proxy (the chain's
 * JSON-RPC), 2 `hocba serve --no-worker` and 2 `hocba worker` processes of the real CLI — under a
 * steady submission load spread over both API processes, broken on purpose:
 *
 *   worker-kill     a worker SIGKILLed while a batch is broadcast and not confirmed (20×; quick 3×)
 *   api-kill        an API process SIGKILLed while batch submissions are in flight, then restarted
 *   chain-gone      the chain's JSON-RPC unreachable for 60 s (quick 15 s)
 *   redis-gone      Redis stopped for 60 s (quick 15 s), started again empty
 *   postgres-crash  PostgreSQL stopped without a checkpoint (crash) and started again
 *   workers-race    a burst, then two more anchoring rounds started at the same instant as the
 *                   two workers', all racing for the same batch
 *
 * For each: documents acknowledged (2xx) during it, how many of them are anchored, lost so far (an
 * acknowledged document missing from the database, or in a batch the database calls confirmed
 * whose root is not on chain: must be 0), anchored twice (a root anchored twice, a root on chain
 * the database does not know, a document in two batches: must be 0; both over everything acknowledged
 * since the start, checked again at the end) and the time to recover
 * (from the fault's end until every document acknowledged so far is anchored). The load's client
 * retries what got no answer or a 5xx, as `hocba submit` does. Ends with
 * `faults: <n> scenarios, lost 0, doubled 0`, or exits non-zero.
 *
 *   npm run bench -- faults            the full suite (~15 minutes)
 *   npm run bench -- faults --quick    a few minutes
 */
import { appendFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { freePort, startAnvil } from "../service/src/adapters/chain/anvil";
import { deployRegistry } from "../service/src/adapters/chain/deploy-registry";
import { createRegistryClient, REGISTRY_ABI } from "../service/src/adapters/chain/registry";
import { createPostgresDatabase, type Database } from "../service/src/adapters/db/database";
import { migrate } from "../service/src/adapters/db/migrate";
import { anchorPending } from "../service/src/issuance/anchoring";
import { BATCH_OF_DOCUMENT } from "../service/src/issuance/stores/batches";
import {
  hocbaProcess,
  startPrivatePostgres,
  startPrivateRedis,
  startProxy,
  type HocbaProcess,
} from "./lib/fault-parts";
import { BENCH_SCHOOL, signedSet } from "./lib/signed-set";
import { ADMIN_KEY, ANCHOR_KEY, ensureBuilt, Teardown, tempDir, trustAnchorsDir } from "./lib/stack";
import type { BenchOptions } from "./run";

const OUT = path.join(__dirname, "out");
const ADMIN_TOKEN = "faults-bench-admin-token-0123456789";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Item {
  document: { id: string };
  signature: string;
}

/** The steady submission load: `perRequest` documents every `everyMs`, round-robin over the APIs. */
class Load {
  readonly acked = new Map<string, number>();
  readonly failures = new Map<string, number>();
  private readonly retry: Item[] = [];
  private next = 0;
  private chunk: Item[] = [];
  private chunkIndex = -1;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  private target = 0;

  constructor(
    private readonly set: Awaited<ReturnType<typeof signedSet>>,
    private readonly apis: HocbaProcess[],
    private readonly apiKey: string,
    private readonly perRequest: number,
    private readonly everyMs: number,
  ) {}

  private item(): Item {
    const retried = this.retry.shift();
    if (retried) return retried;
    const total = this.set.documents;
    const i = this.next++ % total;
    const c = Math.floor(i / 1000);
    if (c !== this.chunkIndex) {
      this.chunk = (JSON.parse(this.set.chunk(c)) as { items: Item[] }).items;
      this.chunkIndex = c;
    }
    return this.chunk[i % 1000]!;
  }

  private fail(kind: string, items: Item[]): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
    this.retry.push(...items);
  }

  /** Sends one request of `n` documents to the next API (or `api`). */
  send(n = this.perRequest, api?: HocbaProcess): Promise<void> {
    const items = Array.from({ length: n }, () => this.item());
    const to = api ?? this.apis[this.target++ % this.apis.length]!;
    const request = (async () => {
      try {
        const response = await fetch(`${to.url}/api/v1/transcripts/batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ items }),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        if (response.status !== 207) return this.fail(`HTTP ${response.status}`, items);
        const { results } = JSON.parse(text) as { results: { status: number; body: { id?: string } }[] };
        results.forEach((result, index) => {
          if (result.status === 202 || result.status === 200)
            this.acked.set(items[index]!.document.id, Date.now());
          else if (result.status >= 500) this.fail(`item ${result.status}`, [items[index]!]);
          else
            this.failures.set(`item ${result.status}`, (this.failures.get(`item ${result.status}`) ?? 0) + 1);
        });
      } catch {
        this.fail("no answer", items);
      }
    })();
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
    return request;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.send(), this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.inFlight]);
  }
}

interface Figures {
  scenario: string;
  acknowledged: number;
  anchored: number;
  lost: number;
  doubled: number;
  recoverSeconds: number;
  note: string;
}

export async function run(options: BenchOptions): Promise<void> {
  const quick = options.quick ?? false;
  const outage = quick ? 15_000 : 60_000;
  const workerKills = quick ? 3 : 20;
  const settleTimeout = quick ? 180_000 : 300_000;
  ensureBuilt();
  const teardown = new Teardown();
  const figures: Figures[] = [];
  let failed: string | undefined;
  const started = Date.now();
  try {
    // ── the parts ───────────────────────────────────────────────────────────────────────────
    const set = await signedSet(OUT, quick ? 8000 : 30_000, 16);
    const pg = await startPrivatePostgres(teardown);
    const redis = await startPrivateRedis(teardown);
    const anvil = await startAnvil({ blockTimeSeconds: 1 });
    teardown.add("anvil", () => anvil.stop());
    const proxy = await startProxy(teardown, anvil.port);
    const network = Network.from(31337);
    const provider = new JsonRpcProvider(anvil.url, network, { staticNetwork: network, cacheTimeout: -1 });
    teardown.add("provider", () => provider.destroy());
    const anchorer = new Wallet(ANCHOR_KEY).address;
    const { address: registry } = await deployRegistry(new Wallet(ADMIN_KEY, provider), {
      anchorers: [anchorer],
      revokers: [anchorer],
    });
    const watcher: Database = createPostgresDatabase({ url: pg.url, poolSize: 2 });
    teardown.add("watcher pool", () => watcher.close());
    await migrate(watcher);
    const dataDir = tempDir(teardown, "faults-data");
    const logDir = path.join(OUT, `faults-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    const common = {
      DATABASE_URL: pg.url,
      DATABASE_POOL_SIZE: "4",
      REDIS_URL: redis.url,
      REDIS_PREFIX: `hocba-faults-${process.pid}`,
      CHAIN_RPC_URL: proxy.url,
      CHAIN_ID: "31337",
      REGISTRY_ADDRESS: registry,
      TRUST_ANCHORS_DIR: trustAnchorsDir(teardown, set.pki.rootPem),
      ADMIN_TOKEN,
      DEMO: "off",
      ANCHOR_INTERVAL_MS: "1000",
      ANCHOR_MAX_BATCH: "500",
      CHAIN_CONFIRMATIONS: "1",
      LOG_LEVEL: "warn",
      DATA_DIR: dataDir,
    };
    const apis = [1, 2].map(async (i) =>
      hocbaProcess(
        teardown,
        `api-${i}`,
        "serve",
        common,
        path.join(logDir, `api-${i}.log`),
        await freePort(),
      ),
    );
    const api = await Promise.all(apis);
    const workers = [1, 2].map((i) =>
      hocbaProcess(
        teardown,
        `worker-${i}`,
        "worker",
        { ...common, ANCHOR_KEY, DATABASE_URL: `${pg.url}?application_name=hocba-worker-${i}` },
        path.join(logDir, `worker-${i}.log`),
      ),
    );
    await api[0]!.start();
    await Promise.all([api[1]!.start(), ...workers.map((w) => w.start())]);
    const registered = await fetch(`${api[0]!.url}/api/v1/admin/issuers`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        kind: "school",
        code: BENCH_SCHOOL.code,
        name: BENCH_SCHOOL.name,
        certificates: [set.pki.signerChainPem],
      }),
    });
    const { apiKey } = (await registered.json()) as { apiKey: string };
    if (registered.status !== 201) throw new Error(`registering the school: ${registered.status}`);
    const perRequest = 5;
    const everyMs = quick ? 500 : 250; // 10 documents/s (quick), 20/s (full)
    const load = new Load(set, api, apiKey, perRequest, everyMs);
    console.log(
      `parts: PostgreSQL :${pg.port} (private), Redis ${redis.url} (private), anvil ${anvil.url} (1 s blocks) behind ${proxy.url},` +
        ` 2 × hocba serve --no-worker, 2 × hocba worker; load ${(perRequest * 1000) / everyMs} documents/s in requests of ${perRequest}` +
        `; load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}; logs ${path.relative(process.cwd(), logDir)}`,
    );

    // ── the accounts ────────────────────────────────────────────────────────────────────────
    /** Queries the watcher pool, retrying while PostgreSQL is away. */
    const query = async <R>(sql: string, params?: unknown[]): Promise<R[]> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return (await watcher.query<R>(sql, params)).rows;
        } catch (error) {
          if (attempt > 600) throw error;
          await sleep(200);
        }
      }
    };
    const states = async (ids: string[]) =>
      (
        await query<{ missing: number; anchored: number }>(
          `SELECT count(*) FILTER (WHERE d.id IS NULL)::int AS missing,
                  count(*) FILTER (WHERE b.state = 'confirmed')::int AS anchored
             FROM unnest($1::uuid[]) AS a(id)
             LEFT JOIN documents d ON d.id = a.id
             LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT}`,
          [ids],
        )
      )[0]!;
    /**
     * Waits until every document acknowledged so far is anchored; the seconds it took and those
     * documents (the load goes on meanwhile: later ones belong to the next scenario).
     */
    const recovered = async (since: number): Promise<{ seconds: number; ids: string[] }> => {
      const ids = [...load.acked.keys()];
      for (;;) {
        const { missing, anchored } = await states(ids);
        if (missing > 0 || anchored === ids.length) return { seconds: (Date.now() - since) / 1000, ids };
        if (Date.now() - since > settleTimeout)
          throw new Error(
            `${ids.length - anchored} acknowledged documents not anchored ${settleTimeout / 1000} s after the fault`,
          );
        await sleep(200);
      }
    };
    const rootTopic = REGISTRY_ABI.getEvent("RootAnchored")!.topicHash;
    /** Lost and doubled over everything so far, checked against the chain's events. */
    const audit = async (ids: string[]) => {
      const { missing } = await states(ids);
      const logs = await provider.getLogs({ address: registry, topics: [rootTopic], fromBlock: 0 });
      const onChain = logs.map((l) => l.topics[1]!.toLowerCase());
      const confirmed = (
        await query<{ root: string }>("SELECT root FROM batches WHERE state = 'confirmed'")
      ).map((b) => b.root);
      const known = new Set((await query<{ root: string }>("SELECT root FROM batches")).map((b) => b.root));
      const chainSet = new Set(onChain);
      const overlapping = (
        await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM documents d JOIN batches b ON ${BATCH_OF_DOCUMENT}
            GROUP BY d.id HAVING count(*) > 1`,
        )
      ).length;
      return {
        lost: missing + confirmed.filter((root) => !chainSet.has(root)).length,
        doubled:
          onChain.length - chainSet.size + onChain.filter((root) => !known.has(root)).length + overlapping,
      };
    };
    let counted = new Set<string>();
    /** Scenarios during which no new document was acknowledged (the signed set ran out): not exercised. */
    const exhausted: string[] = [];
    const scenario = async (name: string, fault: () => Promise<{ healedAt: number; note: string }>) => {
      const before = counted;
      console.log(`- ${name}…`);
      const { healedAt, note } = await fault();
      const { seconds: recoverSeconds, ids } = await recovered(healedAt);
      counted = new Set(ids);
      const mine = ids.filter((id) => !before.has(id));
      const { anchored } = await states(mine);
      const { lost, doubled } = await audit([...load.acked.keys()]);
      if (mine.length === 0) exhausted.push(name);
      const row = {
        scenario: name,
        acknowledged: mine.length,
        anchored,
        lost,
        doubled,
        recoverSeconds,
        note,
      };
      figures.push(row);
      console.log(
        `  acknowledged ${row.acknowledged}, anchored ${row.anchored}, lost ${lost}, doubled ${doubled}, recovered in ${recoverSeconds.toFixed(1)} s — ${note}`,
      );
    };

    load.start();
    await sleep(3000);

    // ── worker-kill ─────────────────────────────────────────────────────────────────────────
    await scenario(`worker-kill ×${workerKills}`, async () => {
      let killedWhileSubmitted = 0;
      let healedAt = Date.now();
      for (let k = 0; k < workerKills; k++) {
        const deadline = Date.now() + 60_000;
        let seen = false;
        while (Date.now() < deadline) {
          const open = await query<{ n: number }>(
            "SELECT count(*)::int AS n FROM batches WHERE state = 'submitted'",
          );
          if (open[0]!.n > 0) {
            seen = true;
            break;
          }
          await sleep(20);
        }
        const victim = workers[k % 2]!;
        await victim.kill("SIGKILL");
        const still = await query<{ n: number }>(
          "SELECT count(*)::int AS n FROM batches WHERE state = 'submitted'",
        );
        if (seen && still[0]!.n > 0) killedWhileSubmitted++;
        await sleep(1000);
        await victim.start();
        healedAt = Date.now();
        await sleep(500);
      }
      return {
        healedAt,
        note: `${killedWhileSubmitted} of ${workerKills} kills while a batch was broadcast and unconfirmed; the other worker confirmed it`,
      };
    });

    // ── api-kill ────────────────────────────────────────────────────────────────────────────
    await scenario("api-kill", async () => {
      const victim = api[0]!;
      const burst = Array.from({ length: 8 }, () => load.send(25, victim));
      await sleep(150);
      await victim.kill("SIGKILL");
      await Promise.all(burst);
      await sleep(1000);
      await victim.start();
      return {
        healedAt: Date.now(),
        note: "8 requests of 25 in flight on api-1 at the kill; unanswered ones retried",
      };
    });

    // ── chain-gone ──────────────────────────────────────────────────────────────────────────
    await scenario(`chain-gone ${outage / 1000} s`, async () => {
      await proxy.cut();
      await sleep(outage);
      await proxy.restore();
      return {
        healedAt: Date.now(),
        note: "JSON-RPC cut at the proxy (every connection closed, none accepted)",
      };
    });

    // ── redis-gone ──────────────────────────────────────────────────────────────────────────
    await scenario(`redis-gone ${outage / 1000} s`, async () => {
      await redis.stop();
      await sleep(outage);
      await redis.start();
      return { healedAt: Date.now(), note: "redis-server SIGKILLed, started again empty" };
    });

    // ── postgres-crash ──────────────────────────────────────────────────────────────────────
    await scenario("postgres-crash", async () => {
      const t0 = Date.now();
      await pg.crashRestart();
      return {
        healedAt: Date.now(),
        note: `immediate shutdown (no checkpoint) and start: ${((Date.now() - t0) / 1000).toFixed(1)} s down`,
      };
    });

    // ── workers-race ────────────────────────────────────────────────────────────────────────
    await scenario("workers-race", async () => {
      await load.stop();
      await Promise.all(Array.from({ length: 8 }, () => load.send(25)));
      const racers = [1, 2].map(() => {
        const db = createPostgresDatabase({ url: pg.url, poolSize: 2 });
        const chain = createRegistryClient({
          rpcUrl: proxy.url,
          chainId: 31337,
          address: registry,
          privateKey: ANCHOR_KEY,
          gasPrice: 0n,
        });
        return { db, chain };
      });
      try {
        await Promise.all(
          racers.map((r) => anchorPending({ db: r.db, chain: r.chain, maxBatch: 500, confirmations: 1 })),
        );
      } finally {
        for (const r of racers) {
          r.chain.close();
          await r.db.close();
        }
      }
      load.start();
      return {
        healedAt: Date.now(),
        note: "a burst of 200, then two extra anchoring rounds at once beside the two workers",
      };
    });

    await load.stop();
    const final = await audit([...load.acked.keys()]);
    // The audit covers everything acknowledged since the start: the last one is the total.
    const { lost, doubled } = final;
    console.log("");
    console.log("| scenario | acknowledged | anchored | lost | anchored twice | time to recover | notes |");
    console.log("|---|---:|---:|---:|---:|---:|---|");
    for (const f of figures)
      console.log(
        `| ${f.scenario} | ${f.acknowledged} | ${f.anchored} | ${f.lost} | ${f.doubled} | ${f.recoverSeconds.toFixed(1)} s | ${f.note} |`,
      );
    console.log(
      `\ntotal acknowledged ${load.acked.size}; client-side failures (retried): ${
        [...load.failures].map(([k, v]) => `${k} ×${v}`).join(", ") || "none"
      }; ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    const line = `faults: ${figures.length} scenarios, lost ${lost}, doubled ${doubled}`;
    console.log(line);
    appendFileSync(path.join(logDir, "summary.txt"), line + "\n");
    if (exhausted.length > 0)
      console.log(
        `faults: not exercised under load (no new document acknowledged; the signed set of ${set.documents} ran out): ${exhausted.join(", ")}`,
      );
    if (lost > 0 || doubled > 0 || exhausted.length > 0) process.exitCode = 1;
  } catch (error) {
    failed = String(error);
    console.error(`faults: stopped — ${failed}`);
    console.log(`faults: ${figures.length} scenarios completed before the failure; the suite did not pass`);
    process.exitCode = 1;
  } finally {
    await teardown.run();
  }
}
