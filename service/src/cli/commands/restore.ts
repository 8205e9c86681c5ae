/**
 * `hocba restore <file>`: loads a backup (`hocba backup`) onto an EMPTY database, puts back the keys
 * it carries, then reconciles with the chain: the start-up reconciliation (what the chain lost is
 * sent again) and the restore check (what the chain holds that the database does not know: roots
 * and revocations written after the backup), printed for the operator. docs/operations.md, Backups.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig, type Config } from "../../config/config";
import { readBackup, restoreDatabase, type Backup, type DeploymentRecord } from "../../adapters/db/backup";
import { openDatabase } from "../../adapters/db/open";
import { privateUmask, secureDataDir } from "../../adapters/files/data-dir";
import { HocbaError } from "../../core/errors";
import { findUnknownOnChain, type UnknownOnChain } from "../../issuance/restore-check";
import { composeServerParts } from "../../server/compose";
import { defineCommand, type ParsedArgs } from "../command";
import { FLAG, type CliIo } from "../io";
import { backupFileOf, deploymentOf } from "./backup";

const SUMMARY = "restore a backup onto an empty database and reconcile it with the chain";

const HELP = `usage: hocba restore <file> [--check]

Loads a backup made by \`hocba backup\` onto an EMPTY database (PostgreSQL when DATABASE_URL is
set, otherwise the embedded PGlite under DATA_DIR) — it refuses a database holding hocba data —
and puts back the keys the backup carries (only those not already there). Then it reconciles the
database with the chain and prints what the chain holds that the backup does not: roots anchored
and revocations made after the backup was taken. Run it with the environment of \`hocba serve\`
(same CHAIN_RPC_URL, REGISTRY_ADDRESS, …); the backup's deployment must match it.

  --check   only reconcile an already restored database with the chain (no loading)`;

const ARGS = { options: { check: FLAG }, allowPositionals: true } as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, restore);

/** Refuses a backup of another chain or registry than the configuration's. */
function checkDeployment(backup: DeploymentRecord, configured: DeploymentRecord): void {
  const differs =
    backup.embedded !== configured.embedded ||
    (backup.chainId !== null && configured.chainId !== null && backup.chainId !== configured.chainId) ||
    (backup.registry !== null &&
      configured.registry !== null &&
      backup.registry.toLowerCase() !== configured.registry.toLowerCase());
  if (differs) {
    const name = (d: DeploymentRecord) =>
      `${d.embedded ? "the embedded chain" : `chain ${d.chainId ?? "?"}`}, registry ${d.registry ?? "?"}`;
    throw new HocbaError(
      "CONFIG_INVALID",
      `the backup belongs to ${name(backup)}; this configuration names ${name(configured)}`,
    );
  }
}

/** Writes the backup's key files that DATA_DIR lacks (0600); returns what it wrote and skipped. */
function restoreKeys(config: Config, backup: Backup): { written: string[]; kept: string[] } {
  const written: string[] = [];
  const kept: string[] = [];
  const root = path.resolve(config.DATA_DIR);
  for (const key of backup.keys) {
    const target = path.resolve(root, key.path);
    if (!target.startsWith(root + path.sep))
      throw new HocbaError("BACKUP_INVALID", `the backup names a key outside DATA_DIR: ${key.path}`);
    if (existsSync(target)) {
      if (!Buffer.from(readFileSync(target)).equals(Buffer.from(key.data)))
        throw new HocbaError(
          "CONFLICT",
          `${target} exists and differs from the backup's: move it away to restore the backup's keys`,
        );
      kept.push(key.path);
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(target, key.data, { mode: 0o600, flag: "wx" });
    written.push(key.path);
  }
  // The embedded chain's registry address: the key above redeploys it at the same address if the
  // chain was lost too; deployment.json tells the service where it is.
  const deployment = backup.meta.deployment;
  const deploymentFile = path.join(root, "chain", "deployment.json");
  if (deployment.embedded && deployment.registry !== null && !existsSync(deploymentFile)) {
    mkdirSync(path.dirname(deploymentFile), { recursive: true, mode: 0o700 });
    writeFileSync(
      deploymentFile,
      JSON.stringify(
        {
          address: deployment.registry,
          chainId: deployment.chainId,
          deployTx: deployment.deployTx,
          blockNumber: deployment.blockNumber,
        },
        null,
        2,
      ) + "\n",
      { mode: 0o600 },
    );
    written.push("chain/deployment.json");
  }
  return { written, kept };
}

/** The reconciliation's report, as printed. */
export function reconciliationReport(
  chain: { chainId: number; registry: string },
  lost: { roots: string[]; revocations: string[] },
  unknown: UnknownOnChain,
): string {
  const lines = [
    `reconciliation with chain ${chain.chainId}, registry ${chain.registry}:`,
    `  roots of the database missing on chain (anchored again): ${lost.roots.length}`,
    ...lost.roots.map((root) => `    ${root}`),
    `  revocations of the database missing on chain (sent again): ${lost.revocations.length}`,
    ...lost.revocations.map((leaf) => `    ${leaf}`),
    `  roots on chain the database does not know: ${unknown.roots.length}` +
      (unknown.roots.length > 0
        ? ` (${unknown.roots.reduce((n, r) => n + r.count, 0)} documents accepted after the backup: their issuers must submit them again)`
        : ""),
    ...unknown.roots.map((r) => `    ${r.root} block ${r.blockNumber} tx ${r.txHash} (${r.count} documents)`),
    `  revocations on chain the database does not know: ${unknown.revocations.length}`,
    ...unknown.revocations.map(
      (r) =>
        `    ${r.leaf} block ${r.blockNumber} tx ${r.txHash} (${r.documentId ? `document ${r.documentId}` : "a document the database does not hold"})`,
    ),
  ];
  return lines.join("\n") + "\n";
}

async function restore({ values, positionals }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const file = backupFileOf(positionals, HELP);
  const backup = readBackup(file);
  const config = loadConfig(io.env);
  checkDeployment(backup.meta.deployment, await deploymentOf(config));
  if (!values.check) {
    privateUmask();
    const keys = restoreKeys(config, backup);
    secureDataDir(config.DATA_DIR);
    const db = await openDatabase(config);
    try {
      const counts = await restoreDatabase(db, backup);
      io.stdout(
        `restored ${file} (taken ${backup.meta.createdAt} from ${backup.meta.database}): ${Object.entries(
          counts,
        )
          .map(([table, n]) => `${table} ${n}`)
          .join(", ")}\n` +
          (keys.written.length + keys.kept.length > 0
            ? `keys: written ${keys.written.join(", ") || "none"}; already there ${keys.kept.join(", ") || "none"}\n`
            : ""),
      );
    } finally {
      await db.close();
    }
    // The embedded database sets its own files' modes (group-readable): make them the service
    // user's alone again before the service's start-up check would report them.
    secureDataDir(config.DATA_DIR);
  }
  const parts = await composeServerParts(config, (level, message) => {
    if (level !== "info") io.stderr(`${level}: ${message}\n`);
  });
  try {
    const unknown = await findUnknownOnChain({
      db: parts.db,
      history: parts.registry,
      fromBlock: backup.meta.deployment.blockNumber ?? 0,
    });
    io.stdout(
      reconciliationReport(
        parts.chain,
        { roots: parts.lostRoots, revocations: parts.lostRevocations },
        unknown,
      ),
    );
    return 0;
  } finally {
    await parts.close();
  }
}
