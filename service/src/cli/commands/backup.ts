/**
 * `hocba backup <file>`: a consistent copy of the database (PostgreSQL or the embedded PGlite) with
 * the deployment record (chain id, registry address), owner-only (0600), checksummed
 * (adapters/db/backup.ts). Private keys only with --include-keys. docs/operations.md, Backups.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { loadConfig, type Config } from "../../config/config";
import { writeBackup, type BackupKeyFile, type DeploymentRecord } from "../../adapters/db/backup";
import { openDatabase } from "../../adapters/db/open";
import { createProvider } from "../../adapters/chain/registry";
import { defineCommand, type ParsedArgs } from "../command";
import { FLAG, usageError, type CliIo } from "../io";

const SUMMARY = "write a consistent backup of the database (and, asked, the keys) to a file";

const HELP = `usage: hocba backup <file> [--include-keys]

Writes a consistent copy of the database — PostgreSQL when DATABASE_URL is set, otherwise the
embedded PGlite under DATA_DIR (stop \`hocba serve\` first: PGlite belongs to one process) — with
the deployment record (chain id, registry address) to <file>, readable by its owner only (0600),
with a format version and a SHA-256 checksum. Restore it with \`hocba restore <file>\`.

  --include-keys   also copy the private keys and tokens kept under DATA_DIR (chain/service.key,
                   demo/…). Without it the backup holds no private key; keep those apart.`;

/** Files under DATA_DIR that hold keys or tokens, carried only with --include-keys. */
function keyFiles(dataDir: string): BackupKeyFile[] {
  const files: BackupKeyFile[] = [];
  const add = (relative: string): void => {
    const at = path.join(dataDir, relative);
    if (!existsSync(at)) return;
    if (statSync(at).isDirectory()) {
      for (const name of readdirSync(at).sort()) add(path.join(relative, name));
    } else files.push({ path: relative.split(path.sep).join("/"), data: readFileSync(at) });
  };
  add(path.join("chain", "service.key"));
  add("demo");
  return files;
}

/** The chain the database belongs to, from the configuration (or the embedded deployment.json). */
export async function deploymentOf(config: Config): Promise<DeploymentRecord> {
  if (config.CHAIN_RPC_URL === undefined) {
    const file = path.join(config.DATA_DIR, "chain", "deployment.json");
    if (!existsSync(file)) return { chainId: null, registry: null, embedded: true };
    const d = JSON.parse(readFileSync(file, "utf8")) as {
      address: string;
      chainId: number;
      deployTx?: string;
      blockNumber?: number;
    };
    return {
      chainId: d.chainId,
      registry: d.address,
      embedded: true,
      ...(d.blockNumber === undefined ? {} : { blockNumber: d.blockNumber }),
      ...(d.deployTx === undefined ? {} : { deployTx: d.deployTx }),
    };
  }
  let chainId = config.CHAIN_ID ?? null;
  if (chainId === null) {
    const provider = createProvider(config.CHAIN_RPC_URL, 1);
    chainId = await Promise.race([
      provider.send("eth_chainId", []).then(
        (id: string) => Number(id),
        () => null,
      ),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000).unref()),
    ]);
    provider.destroy();
  }
  return { chainId, registry: config.REGISTRY_ADDRESS ?? null, embedded: false };
}

const ARGS = { options: { "include-keys": FLAG }, allowPositionals: true } as const;

export const command = defineCommand(SUMMARY, HELP, ARGS, backup);

/** The one backup file `hocba backup` writes and `hocba restore` reads, resolved. @throws USAGE. */
export function backupFileOf(positionals: readonly string[], help: string): string {
  if (positionals.length !== 1) throw usageError("give one backup file", help);
  return path.resolve(positionals[0]!);
}

async function backup({ values, positionals }: ParsedArgs<typeof ARGS>, io: CliIo): Promise<number> {
  const file = backupFileOf(positionals, HELP);
  const config = loadConfig(io.env);
  const deployment = await deploymentOf(config);
  const keys = values["include-keys"] ? keyFiles(config.DATA_DIR) : [];
  const db = await openDatabase(config);
  try {
    const counts = await writeBackup(file, db, { deployment }, keys);
    io.stdout(
      `backup written to ${file} (0600): ${Object.entries(counts)
        .map(([table, n]) => `${table} ${n}`)
        .join(", ")}\n` +
        `deployment: chain ${deployment.chainId ?? "unknown"}, registry ${deployment.registry ?? "unknown"}${deployment.embedded ? " (embedded chain)" : ""}\n` +
        (values["include-keys"]
          ? `keys included: ${keys.map((k) => k.path).join(", ") || "none found"} — keep this file as secret as the keys\n`
          : "keys not included (add --include-keys to carry DATA_DIR's keys and tokens)\n"),
    );
    return 0;
  } finally {
    await db.close();
  }
}
