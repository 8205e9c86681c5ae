import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../service/src/adapters/db/database";
import { migrate } from "../../service/src/adapters/db/migrate";
import { AUDIT_ACTIONS, audit, auditEach } from "../../service/src/issuance/stores/audit";
import { databaseBackends } from "../helpers/databases";

const backends = await databaseBackends();

/** Every audit row, oldest first, with how PostgreSQL stores its details (SQL NULL, or the jsonb's type). */
async function rows(db: Database) {
  const { rows } = await db.query<{
    actor: string;
    action: string;
    subject: string | null;
    details: unknown;
    stored: string;
  }>(
    `SELECT actor, action, subject, details, COALESCE(jsonb_typeof(details), 'SQL NULL') AS stored
       FROM audit_log ORDER BY id`,
  );
  return rows;
}

describe.each(backends)("the audit store on $name", (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await backend.open());
    await migrate(db);
  });
  afterAll(() => dispose());
  beforeEach(() => db.exec("TRUNCATE audit_log"));

  it("stores details as a jsonb object, and no details as SQL NULL", async () => {
    await audit(db, "admin", "issuer.viewed", "79000701");
    await audit(db, "admin", "issuer.api_key_rotated", "79000701", null);
    await audit(db, "staff:a@idp", "drafts.listed", "79000701", { className: "9A", results: 2, kept: ["x"] });
    await audit(db, "verifier:k1", "graduates.searched", null, { by: "diplomaSerial", results: 0 });
    expect(await rows(db)).toEqual([
      { actor: "admin", action: "issuer.viewed", subject: "79000701", details: null, stored: "SQL NULL" },
      {
        actor: "admin",
        action: "issuer.api_key_rotated",
        subject: "79000701",
        details: null,
        stored: "SQL NULL",
      },
      {
        actor: "staff:a@idp",
        action: "drafts.listed",
        subject: "79000701",
        details: { className: "9A", results: 2, kept: ["x"] },
        stored: "object",
      },
      {
        actor: "verifier:k1",
        action: "graduates.searched",
        subject: null,
        details: { by: "diplomaSerial", results: 0 },
        stored: "object",
      },
    ]);
  });

  it("writes one row per subject in one statement, each with its own details encoded as one row would be", async () => {
    await auditEach(db, "system", "batch.root_lost", [
      { subject: "0xaa", details: { batchId: 7 } },
      { subject: "0xbb" },
      { subject: "0xcc", details: null },
      { subject: "0xdd", details: { nested: { quote: 'a "b" \\ c', n: 1.5 } } },
    ]);
    await auditEach(db, "system", "revocation.lost", []);
    expect(await rows(db)).toEqual([
      {
        actor: "system",
        action: "batch.root_lost",
        subject: "0xaa",
        details: { batchId: 7 },
        stored: "object",
      },
      { actor: "system", action: "batch.root_lost", subject: "0xbb", details: null, stored: "SQL NULL" },
      { actor: "system", action: "batch.root_lost", subject: "0xcc", details: null, stored: "SQL NULL" },
      {
        actor: "system",
        action: "batch.root_lost",
        subject: "0xdd",
        details: { nested: { quote: 'a "b" \\ c', n: 1.5 } },
        stored: "object",
      },
    ]);
  });

  it("writes nothing, and does not fail, inside a transaction that rolls back", async () => {
    await expect(
      db.transaction(async (tx) => {
        await audit(tx, "admin", "issuer.viewed", "79000701");
        await auditEach(tx, "system", "revocation.lost", [{ subject: "0xaa" }]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await rows(db)).toEqual([]);
  });
});

describe("the audit actions", () => {
  it("are listed once each, as area.verb in lower case", () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    expect(AUDIT_ACTIONS.filter((action) => !/^[a-z_]+\.[a-z_]+$/.test(action))).toEqual([]);
  });
});

describe("the audit log", () => {
  it("has one writer: no file of service/src but the audit store inserts into audit_log", () => {
    const root = path.resolve(import.meta.dirname, "../../service/src");
    const writers = readdirSync(root, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .filter((file) => /INSERT\s+INTO\s+audit_log/i.test(readFileSync(path.join(root, file), "utf8")));
    expect(writers).toEqual([path.join("issuance", "stores", "audit.ts")]);
  });
});
