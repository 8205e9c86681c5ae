import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listMigrations } from "../../service/src/adapters/db/migrate";
import { runCli } from "../helpers/cli";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "hocba-migrate-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("hocba migrate", () => {
  it("creates the embedded database under DATA_DIR, then finds it up to date", async () => {
    const env = { DATA_DIR: dataDir, DATABASE_URL: "" };
    const versions = listMigrations().map((m) => m.version);
    expect(await runCli(["migrate"], env)).toEqual({
      code: 0,
      stdout: `applied migrations ${versions.join(", ")}\n`,
      stderr: "",
    });
    expect(await runCli(["migrate"], env)).toEqual({
      code: 0,
      stdout: "database is up to date\n",
      stderr: "",
    });
  });

  it("refuses an unknown option with the usage exit code", async () => {
    const result = await runCli(["migrate", "--bogus"], { DATA_DIR: dataDir });
    expect([result.code, result.stderr.split("\n")[0]]).toEqual([
      64,
      "hocba migrate: USAGE: Unknown option '--bogus'",
    ]);
  });

  it("refuses an invalid configuration with the configuration exit code", async () => {
    expect(await runCli(["migrate"], { DATA_DIR: dataDir, PORT: "eighty" })).toEqual({
      code: 78,
      stdout: "",
      stderr:
        'hocba migrate: CONFIG_INVALID: invalid configuration: PORT must be a whole number, got "eighty"\n',
    });
  });

  it("lists the commands and exits with the usage code when given none", async () => {
    const result = await runCli([], {});
    expect([result.code, result.stdout.startsWith("usage: hocba <command> [options]")]).toEqual([64, true]);
  });
});
