/**
 * Phase 3 of the issuance benchmark: the anchoring work for ONE batch of N documents — createBatch
 * (claim + Merkle build + packed tree write), submitBatches (sign + record + broadcast) and
 * confirmBatches (receipt → confirmed) — timed step by step, each SQL statement too, against a
 * migrated schema filled here with N pending placeholder rows (anchoring only looks at leaves).
 *
 * It runs in a child process under plain Node from an esbuild bundle, exactly as the service runs
 * (scripts/build.ts): under tsx the ESM-only @noble/hashes is transformed to CommonJS and keccak
 * is several times slower, which would measure tsx rather than hocba.
 */
import { build } from "esbuild";
import { spawn } from "node:child_process";
import path from "node:path";
import { createRegistryClient } from "../../service/src/adapters/chain/registry";
import {
  createPostgresDatabase,
  type Database,
  type Queryable,
} from "../../service/src/adapters/db/database";
import { buildPackedTree, leafFromPacked, proofFromPacked } from "../../service/src/core/merkle/packed";
import {
  confirmBatches,
  createBatch,
  submitBatches,
  type AnchoringDeps,
} from "../../service/src/issuance/anchoring";
import { addPendingDocuments } from "../../test/helpers/chain";
import { ANCHOR_KEY } from "./stack";

/** A Database whose every statement is timed under a short label (its first words). */
function timedDatabase(db: Database): { db: Database; times: Map<string, number>; reset(): void } {
  const times = new Map<string, number>();
  const wrap = (q: Queryable): Queryable => ({
    async query(sql, params) {
      const t0 = performance.now();
      try {
        return await q.query(sql, params);
      } finally {
        const label = sql.replace(/\s+/g, " ").trim().slice(0, 48);
        times.set(label, (times.get(label) ?? 0) + performance.now() - t0);
      }
    },
    exec: (sql) => q.exec(sql),
  });
  return {
    db: {
      ...wrap(db),
      kind: db.kind,
      transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
      close: () => db.close(),
    },
    times,
    reset: () => times.clear(),
  };
}

/** The anchoring steps for one batch of `documents`, directly, each timed. */
async function anchoringWork(databaseUrl: string, rpcUrl: string, registry: string, documents: number) {
  // The schema is migrated by the caller (the migrations folder is not beside this bundle).
  const db = createPostgresDatabase({ url: databaseUrl, poolSize: 2 });
  const filled0 = performance.now();
  for (let done = 0; done < documents; done += 50_000)
    await addPendingDocuments(db, Math.min(50_000, documents - done));
  const fillMs = performance.now() - filled0;
  const { rows: leafRows } = await db.query<{ leaf: string }>("SELECT leaf FROM documents ORDER BY seq");
  const leaves = leafRows.map((r) => r.leaf);

  // The Merkle build alone, in memory (what createBatch spends outside SQL).
  const tree0 = performance.now();
  const tree = buildPackedTree(leaves);
  const treeMs = performance.now() - tree0;

  const chain = createRegistryClient({ rpcUrl, chainId: 31337, address: registry, privateKey: ANCHOR_KEY });
  const timed = timedDatabase(db);
  const deps: AnchoringDeps = { db: timed.db, chain, maxBatch: documents, confirmations: 1 };

  const c0 = performance.now();
  const created = await createBatch(deps);
  const createMs = performance.now() - c0;
  if (!created || created.count !== documents || created.root !== tree.root)
    throw new Error(
      `createBatch made ${JSON.stringify(created)}, expected ${documents} leaves, root ${tree.root}`,
    );
  const createQueries = new Map(timed.times);
  timed.reset();

  const s0 = performance.now();
  const sent = await submitBatches(deps);
  const submitMs = performance.now() - s0;
  if (sent !== 1) throw new Error(`submitBatches sent ${sent} transactions, expected 1`);

  const f0 = performance.now();
  let confirmed = 0;
  let rounds = 0;
  while (confirmed === 0) {
    rounds++;
    confirmed = await confirmBatches(deps);
    if (performance.now() - f0 > 30_000) throw new Error("the batch was not confirmed within 30 s");
  }
  const confirmMs = performance.now() - f0;

  // Every proof is derivable from the one stored tree: read it back and derive all N.
  const p0 = performance.now();
  const { rows: batchRows } = await db.query<{ tree: Uint8Array; leaf_count: number }>(
    "SELECT tree, leaf_count FROM batches WHERE id = $1",
    [created.batchId],
  );
  const stored = batchRows[0]!;
  let proofNodes = 0;
  for (let i = 0; i < stored.leaf_count; i++)
    proofNodes += proofFromPacked(stored.tree, stored.leaf_count, i).length;
  const proofsMs = performance.now() - p0;
  for (const i of [0, documents >> 1, documents - 1])
    if (leafFromPacked(stored.tree, i) !== leaves[i])
      throw new Error(`stored tree has the wrong leaf at ${i}`);
  const anchored = await chain.findAnchor(created.root);
  if (!anchored) throw new Error("the registry has no record of the root");

  chain.close();
  await db.close();
  return {
    fillMs,
    treeMs,
    createMs,
    createQueries: [...createQueries],
    submitMs,
    confirmMs,
    confirmRounds: rounds,
    proofsMs,
    proofNodes,
    treeBytes: stored.tree.length,
  };
}

export type AnchoringWork = Awaited<ReturnType<typeof anchoringWork>>;

/**
 * Bundles this file (npm packages external, as scripts/build.ts does) into `outDir` and runs it
 * with plain Node; resolves with its figures.
 */
export async function measureAnchoringWork(
  outDir: string,
  databaseUrl: string,
  rpcUrl: string,
  registry: string,
  documents: number,
): Promise<AnchoringWork> {
  const outfile = path.join(outDir, "anchoring-work.cjs");
  await build({
    entryPoints: [__filename],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    packages: "external",
    logLevel: "warning",
  });
  const child = spawn(process.execPath, [outfile, databaseUrl, rpcUrl, registry, String(documents)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`the anchoring work process exited with ${code}`);
  return JSON.parse(stdout) as AnchoringWork;
}

if (require.main === module && process.argv.length === 6) {
  const [databaseUrl, rpcUrl, registry, documents] = process.argv.slice(2);
  anchoringWork(databaseUrl!, rpcUrl!, registry!, Number(documents)).then(
    (work) => process.stdout.write(JSON.stringify(work)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
