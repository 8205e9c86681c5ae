/**
 * `hocba backup` and `hocba restore` as real processes: on PostgreSQL with an external chain
 * (anvil) and on the embedded PGlite with its keys. The full drill (issue, back up, issue more,
 * restore, reconcile, verify) is test/faults/backup-drill.test.ts.
 */
import { listMigrations } from "../../service/src/adapters/db/migrate";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../../service/src/adapters/pki/certificates";
import { migrate } from "../../service/src/adapters/db/migrate";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import { addPendingDocuments, ANCHOR_KEY, startChain, stopChain, type TestChain } from "../helpers/chain";
import { runCli } from "../helpers/cli";
import { isolatedPostgres, POSTGRES_URL, serviceAvailable } from "../helpers/services";

const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-backup-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const anchorsDir = path.join(dir, "anchors");

beforeAll(async () => {
  mkdirSync(anchorsDir);
  const root = await issueCertificate({ subject: "CN=Backup test root, C=VN", ca: true });
  writeFileSync(path.join(anchorsDir, "root.pem"), root.certificatePem);
});

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe.runIf(await serviceAvailable("postgres"))("hocba backup and restore on PostgreSQL", () => {
  let chain: TestChain;
  const schemas: Awaited<ReturnType<typeof isolatedPostgres>>[] = [];
  beforeAll(async () => {
    chain = await startChain(path.join(dir, "chain.json"));
  });
  afterAll(async () => {
    if (chain) await stopChain(chain);
    for (const s of schemas) await s.dispose();
  });
  const database = async () => {
    const opened = await isolatedPostgres();
    schemas.push(opened);
    const schema = (await opened.db.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
    return {
      db: opened.db,
      url: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    };
  };
  const envOf = (url: string, registry = chain.registry.address) => ({
    DATABASE_URL: url,
    CHAIN_RPC_URL: chain.anvil.url,
    CHAIN_ID: "31337",
    REGISTRY_ADDRESS: registry,
    ANCHOR_KEY,
    TRUST_ANCHORS_DIR: anchorsDir,
    ADMIN_TOKEN: "backup-test-admin-token",
    DEMO: "off",
    LOG_LEVEL: "silent",
    DATA_DIR: path.join(dir, "data-pg"),
  });

  it("backs up to an owner-only file, refuses a database with data, restores onto an empty one and reconciles", async () => {
    const source = await database();
    await migrate(source.db);
    await addPendingDocuments(source.db, 3);
    const file = path.join(dir, "pg.hocba-backup");
    const backup = await runCli(["backup", file], envOf(source.url));
    const target = await database();
    const onFull = await runCli(["restore", file], envOf(source.url));
    const restore = await runCli(["restore", file], envOf(target.url));
    const check = await runCli(["restore", "--check", file], envOf(target.url));
    const { rows } = await target.db.query<{ n: number }>("SELECT count(*) AS n FROM documents");
    const tables =
      "issuers 1, api_keys 0, audit_log 0, batches 0, documents 3, draft_imports 0, drafts 0, graduate_imports 0, graduates 0, issuer_certificate_changes 0, issuer_certificates 0, revocations 0";
    const staffTables = "staff_assignments 0, staff_device_tokens 0, staff_logins 0, staff_sessions 0";
    expect({ backup, mode: modeOf(file), onFull, restore, check, documents: rows[0]!.n }).toEqual({
      backup: {
        code: 0,
        stdout:
          `backup written to ${file} (0600): ${tables}, schema_migrations ${listMigrations().length}, shares 0, share_accesses 0, share_tokens 0, ${staffTables}\n` +
          `deployment: chain 31337, registry ${chain.registry.address}\n` +
          "keys not included (add --include-keys to carry DATA_DIR's keys and tokens)\n",
        stderr: "",
      },
      mode: "600",
      onFull: {
        code: exitCodeFor("DATABASE_NOT_EMPTY"),
        stdout: "",
        stderr:
          "hocba restore: DATABASE_NOT_EMPTY: the database already holds hocba data (issuers, documents): restore only onto an empty database\n",
      },
      restore: {
        code: 0,
        stdout: expect.stringMatching(
          new RegExp(
            `^restored ${file} \\(taken [0-9T:.-]+Z from postgres\\): ${tables}, shares 0, share_accesses 0, share_tokens 0, ${staffTables}\\n` +
              `reconciliation with chain 31337, registry ${chain.registry.address}:\\n` +
              "  roots of the database missing on chain \\(anchored again\\): 0\\n" +
              "  revocations of the database missing on chain \\(sent again\\): 0\\n" +
              "  roots on chain the database does not know: 0\\n" +
              "  revocations on chain the database does not know: 0\\n$",
          ),
        ) as unknown,
        stderr: "",
      },
      check: {
        code: 0,
        stdout:
          `reconciliation with chain 31337, registry ${chain.registry.address}:\n` +
          "  roots of the database missing on chain (anchored again): 0\n" +
          "  revocations of the database missing on chain (sent again): 0\n" +
          "  roots on chain the database does not know: 0\n" +
          "  revocations on chain the database does not know: 0\n",
        stderr: "",
      },
      documents: 3,
    });
  }, 400_000);

  it("refuses a damaged file, a truncated one and a backup of another registry with their exit codes", async () => {
    const source = await database();
    await migrate(source.db);
    const file = path.join(dir, "pg2.hocba-backup");
    expect((await runCli(["backup", file], envOf(source.url))).code).toBe(0);
    const text = gunzipSync(readFileSync(file)).toString("utf8");
    const damaged = path.join(dir, "damaged.hocba-backup");
    writeFileSync(damaged, gzipSync(text.replace('"database":"postgres"', '"database":"postgrez"')));
    const truncated = path.join(dir, "truncated.hocba-backup");
    writeFileSync(truncated, gzipSync(text.split("\n").slice(0, 3).join("\n") + "\n"));
    const miscounted = path.join(dir, "miscounted.hocba-backup");
    const migrations = listMigrations().length;
    writeFileSync(
      miscounted,
      gzipSync(text.replace(`"schema_migrations":${migrations}`, `"schema_migrations":${migrations + 1}`)),
    );
    const notGzip = path.join(dir, "plain.txt");
    writeFileSync(notGzip, "hello");
    const target = await database();
    const other = Wallet.createRandom().address;
    const answers = await Promise.all(
      [
        [damaged, envOf(target.url)],
        [truncated, envOf(target.url)],
        [miscounted, envOf(target.url)],
        [notGzip, envOf(target.url)],
        [path.join(dir, "missing.hocba-backup"), envOf(target.url)],
        [file, envOf(target.url, other)],
      ].map(([f, env]) => runCli(["restore", f as string], env as Record<string, string>)),
    );
    expect(answers.map((a) => [a.code, a.stderr])).toEqual([
      [
        exitCodeFor("BACKUP_INVALID"),
        `hocba restore: BACKUP_INVALID: ${damaged} is not a usable hocba backup: its checksum does not match: the file was changed or damaged\n`,
      ],
      [
        exitCodeFor("BACKUP_INVALID"),
        `hocba restore: BACKUP_INVALID: ${truncated} is not a usable hocba backup: it is incomplete (no end line): the backup did not finish\n`,
      ],
      [
        exitCodeFor("BACKUP_INVALID"),
        `hocba restore: BACKUP_INVALID: ${miscounted} is not a usable hocba backup: table schema_migrations has ${listMigrations().length} rows; the backup wrote ${listMigrations().length + 1}\n`,
      ],
      [
        exitCodeFor("BACKUP_INVALID"),
        `hocba restore: BACKUP_INVALID: ${notGzip} is not a usable hocba backup: not a gzip file, or a damaged one\n`,
      ],
      [
        exitCodeFor("IO"),
        expect.stringMatching(
          /^hocba restore: IO: cannot read the backup .*missing\.hocba-backup: ENOENT/,
        ) as unknown,
      ],
      [
        exitCodeFor("CONFIG_INVALID"),
        `hocba restore: CONFIG_INVALID: the backup belongs to chain 31337, registry ${chain.registry.address}; this configuration names chain 31337, registry ${other}\n`,
      ],
    ]);
  }, 400_000);
});

describe("hocba backup and restore of the embedded database", () => {
  it("carries the keys only with --include-keys, owner-only, and restores them into an empty DATA_DIR", async () => {
    const source = path.join(dir, "embedded-source");
    const env = (dataDir: string) => ({
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      DEMO: "off",
      TRUST_ANCHORS_DIR: anchorsDir,
      ADMIN_TOKEN: "backup-test-admin-token",
      LOG_LEVEL: "silent",
    });
    expect((await runCli(["migrate"], env(source))).code).toBe(0);
    const key = Wallet.createRandom().privateKey;
    mkdirSync(path.join(source, "chain"), { recursive: true });
    writeFileSync(path.join(source, "chain", "service.key"), key + "\n");
    chmodSync(path.join(source, "chain", "service.key"), 0o600);
    const plain = path.join(dir, "embedded-plain.hocba-backup");
    const withKeys = path.join(dir, "embedded-keys.hocba-backup");
    const [first, second] = [
      await runCli(["backup", plain], env(source)),
      await runCli(["backup", withKeys, "--include-keys"], env(source)),
    ];
    const target = path.join(dir, "embedded-target");
    const restore = await runCli(["restore", withKeys], env(target));
    expect({
      first: first.stdout.split("\n").slice(1),
      second: second.stdout.split("\n").slice(1),
      modes: [modeOf(plain), modeOf(withKeys)],
      plainHasKey: gunzipSync(readFileSync(plain)).toString("utf8").includes('"key"'),
      restore: [restore.code, restore.stdout.split("\n").slice(1, 2), restore.stderr],
      key: [
        readFileSync(path.join(target, "chain", "service.key"), "utf8"),
        modeOf(path.join(target, "chain", "service.key")),
      ],
    }).toEqual({
      first: [
        "deployment: chain unknown, registry unknown (embedded chain)",
        "keys not included (add --include-keys to carry DATA_DIR's keys and tokens)",
        "",
      ],
      second: [
        "deployment: chain unknown, registry unknown (embedded chain)",
        "keys included: chain/service.key — keep this file as secret as the keys",
        "",
      ],
      modes: ["600", "600"],
      plainHasKey: false,
      restore: [0, ["keys: written chain/service.key; already there none"], ""],
      key: [key + "\n", "600"],
    });
  }, 900_000);
});
