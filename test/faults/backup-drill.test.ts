/**
 * The backup drill, on PostgreSQL and on PGlite: issue, back up, issue more and revoke, lose the
 * database, restore onto an empty one, reconcile with the chain — the roots and the revocation
 * written after the backup are reported — and verify: the credentials of before the backup verify
 * exactly as they did. Real chain (anvil), real databases; the same functions `hocba backup` and
 * `hocba restore` run (test/cli/backup.test.ts runs the commands themselves).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issuerCodeBytes32 } from "../../service/src/adapters/chain/registry";
import { readBackup, restoreDatabase, writeBackup } from "../../service/src/adapters/db/backup";
import { listMigrations, migrate } from "../../service/src/adapters/db/migrate";
import type { Credential } from "../../service/src/issuance/credential";
import { findUnknownOnChain } from "../../service/src/issuance/restore-check";
import { buildTestApp, issueCredentials, settle } from "../helpers/app";
import { startChain, stopChain, type TestChain } from "../helpers/chain";
import { schoolTranscript } from "../helpers/credentials";
import { databaseBackends } from "../helpers/databases";
import { commandError } from "../helpers/cli";
import { fingerprintOf, makeSchoolPki, SCHOOL_CODE, type SchoolPki } from "../helpers/pki";

const backends = await databaseBackends();
const dir = mkdtempSync(path.join(os.tmpdir(), "hocba-backup-drill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let pki: SchoolPki;
beforeAll(async () => {
  pki = await makeSchoolPki("P-256");
});

let seed = 71_000;

describe.each(backends)("a backup drill on $name", (backend) => {
  let chain: TestChain;
  beforeAll(async () => {
    chain = await startChain(path.join(dir, `${backend.name}-chain.json`), undefined, undefined, {
      revoker: true,
    });
    const added = await chain.admin
      .getFunction("addIssuerCertificate")
      .send(issuerCodeBytes32(SCHOOL_CODE), fingerprintOf(pki.principal));
    await added.wait();
  });
  afterAll(async () => {
    if (chain) await stopChain(chain);
  });

  it("restores onto an empty database: earlier credentials verify as before, later roots and revocations are reported", async () => {
    const file = path.join(dir, `${backend.name}.hocba-backup`);
    const deployment = { chainId: 31337, registry: chain.registry.address, embedded: false };
    const lost = await backend.open();
    await migrate(lost.db);
    const before = await buildTestApp({ db: lost.db, chain, pki });
    const verify = async (app: typeof before.app, credential: Credential) =>
      (await app.inject({ method: "POST", url: "/api/v1/verify", payload: credential })).json<{
        verdict: string;
      }>();

    const earlier = await issueCredentials<Credential>(before, pki, [
      schoolTranscript(seed++),
      schoolTranscript(seed++),
    ]);
    const earlierVerdicts = await Promise.all(earlier.map((c) => verify(before.app, c)));
    const written = await writeBackup(file, lost.db, { deployment });

    const later = await issueCredentials<Credential>(before, pki, [schoolTranscript(seed++)]);
    const revoked = await before.app.inject({
      method: "POST",
      url: `/api/v1/transcripts/${(earlier[1]!.document as { id: string }).id}/revoke`,
      headers: { authorization: `Bearer ${before.schoolKey}` },
      payload: { reason: "cấp nhầm" },
    });
    await settle(before.anchoring);
    // The disk dies: the database is gone.
    await before.app.close();
    await lost.dispose();

    const fresh = await backend.open();
    try {
      const backup = readBackup(file);
      const restored = await restoreDatabase(fresh.db, backup);
      const unknown = await findUnknownOnChain({ db: fresh.db, history: chain.registry });
      const after = await buildTestApp({ db: fresh.db, chain, pki });
      await new Promise((resolve) => setTimeout(resolve, 600)); // the verify cache's revocation index refreshes every 500 ms
      const laterRoot = later[0]!.anchor.merkleRoot;
      expect({
        mode: (statSync(file).mode & 0o777).toString(8),
        revoked: revoked.statusCode,
        meta: backup.meta,
        restored,
        unknown,
        earlier: [await verify(after.app, earlier[0]!), (await verify(after.app, earlier[1]!)).verdict],
        again: await commandError(restoreDatabase(fresh.db, backup)),
      }).toEqual({
        mode: "600",
        revoked: 202,
        meta: {
          createdAt: expect.any(String) as unknown,
          database: backend.name,
          migrations: listMigrations().map((migration) => migration.version),
          deployment,
          keysIncluded: false,
        },
        restored: Object.fromEntries(
          Object.entries(written).filter(([table]) => table !== "schema_migrations"),
        ),
        unknown: {
          roots: [
            {
              root: laterRoot,
              count: 1,
              blockNumber: later[0]!.anchor.blockNumber,
              txHash: later[0]!.anchor.txHash,
            },
          ],
          revocations: [
            {
              leaf: earlier[1]!.anchor.leaf,
              documentId: (earlier[1]!.document as { id: string }).id,
              blockNumber: expect.any(Number) as unknown,
              txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown,
            },
          ],
        },
        earlier: [earlierVerdicts[0], "revoked"],
        again: {
          code: "DATABASE_NOT_EMPTY",
          message: expect.stringMatching(
            /^the database already holds hocba data \(.*documents.*\): restore only onto an empty database$/,
          ) as unknown,
        },
      });
      await after.app.close();
    } finally {
      await fresh.dispose();
    }
  }, 120_000);
});
