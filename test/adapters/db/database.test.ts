import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../service/src/adapters/db/database";
import { listMigrations, migrate } from "../../../service/src/adapters/db/migrate";
import { databaseBackends } from "../../helpers/databases";

const backends = await databaseBackends();

describe.each(backends)("the database layer on $name", (backend) => {
  let db: Database;
  let opened: Awaited<ReturnType<typeof backend.open>>;

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
  });
  afterAll(async () => {
    await opened.dispose();
  });

  it("applies every shipped migration once and then has nothing left to apply", async () => {
    const versions = listMigrations().map((m) => m.version);
    expect(await migrate(db)).toEqual(versions);
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    expect(rows).toEqual(versions.map((version) => ({ version })));
  });

  it("lets concurrent migrators race without applying anything twice", async () => {
    const results = await Promise.all([migrate(db), migrate(db), migrate(db)]);
    expect(results).toEqual([[], [], []]);
  });

  it("returns int8 as numbers, bytea as Uint8Array, timestamptz as Date and jsonb parsed", async () => {
    const { rows } = await db.query(
      "SELECT count(*) AS n, 9007199254740991::int8 AS big, '\\x00ff10'::bytea AS bytes, " +
        "'2024-06-05T01:00:00Z'::timestamptz AS at, '{\"a\":[1,\"Ánh\"]}'::jsonb AS doc, NULL::text AS nothing",
    );
    expect(rows).toEqual([
      {
        n: 1,
        big: 9007199254740991,
        bytes: new Uint8Array([0, 255, 16]),
        at: new Date("2024-06-05T01:00:00Z"),
        doc: { a: [1, "Ánh"] },
        nothing: null,
      },
    ]);
  });

  it("round-trips Uint8Array parameters into bytea", async () => {
    const { rows } = await db.query<{ b: Uint8Array; len: number }>(
      "SELECT $1::bytea AS b, length($1::bytea) AS len",
      [new Uint8Array([1, 2, 3, 250])],
    );
    expect(rows).toEqual([{ b: new Uint8Array([1, 2, 3, 250]), len: 4 }]);
  });

  it("commits a transaction that resolves", async () => {
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO issuers (code, kind, name) VALUES ($1, $2, $3)", [
        "79000701",
        "school",
        "Trường THCS Nguyễn Du",
      ]);
    });
    const { rows } = await db.query("SELECT code, kind, name FROM issuers WHERE code = $1", ["79000701"]);
    expect(rows).toEqual([{ code: "79000701", kind: "school", name: "Trường THCS Nguyễn Du" }]);
  });

  it("rolls back everything a failing transaction wrote and rethrows its error", async () => {
    const failure = new Error("stop here");
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO issuers (code, kind, name) VALUES ($1, $2, $3)", [
          "DEMOQ1",
          "district",
          "Phòng GDĐT",
        ]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    const { rowCount } = await db.query("SELECT 1 FROM issuers WHERE code = $1", ["DEMOQ1"]);
    expect(rowCount).toBe(0);
  });

  it("reports the number of rows a read returned", async () => {
    const { rowCount } = await db.query("SELECT code FROM issuers WHERE code = $1", ["79000701"]);
    expect(rowCount).toBe(1);
  });

  it("reports the number of rows a write touched", async () => {
    const { rowCount } = await db.query("UPDATE issuers SET name = name WHERE code IN ($1, $2)", [
      "79000701",
      "NONE",
    ]);
    expect(rowCount).toBe(1);
  });

  it("enforces the schema's constraints: a malformed hash and a duplicate active certificate are refused", async () => {
    await expect(
      db.query(
        "INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject) VALUES ($1, $2, $3, $4)",
        ["79000701", "0xABC", new Uint8Array([1]), "CN=x"],
      ),
    ).rejects.toThrow(/check constraint/);
    const fp = "0x" + "ab".repeat(32);
    const insert = () =>
      db.query(
        "INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject) VALUES ($1, $2, $3, $4)",
        ["79000701", fp, new Uint8Array([1]), "CN=x"],
      );
    await insert();
    await expect(insert()).rejects.toThrow(/duplicate key/);
  });

  it("refuses overlapping batch ranges, a gap outside its range, and a batch sent without a transaction", async () => {
    const batch = (root: string, first: number, last: number, gaps = "{}", state = "created") =>
      db.query(
        "INSERT INTO batches (root, leaf_count, tree, first_seq, last_seq, gaps, state) VALUES ($1, 1, $2, $3, $4, $5, $6)",
        ["0x" + root.repeat(32), new Uint8Array(32), first, last, gaps, state],
      );
    await batch("33", 10, 20);
    await expect(batch("44", 20, 30)).rejects.toThrow(/exclusion constraint/);
    await expect(batch("44", 21, 30, "{[30,31)}")).rejects.toThrow(/check constraint/);
    await expect(batch("44", 21, 30, "{}", "submitted")).rejects.toThrow(/check constraint/);
  });
});
