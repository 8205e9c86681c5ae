import { chmodSync, mkdirSync, readdirSync, lstatSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { secureDataDir } from "../../../service/src/adapters/files/data-dir";
import { HocbaError } from "../../../service/src/core/errors";
import { tempDir } from "../../helpers/files";

const tmp = tempDir("data-dir");
afterAll(() => tmp.dispose());

/** Every entry under `dir` (itself included as ".") → its mode bits in octal; links as "link". */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string): void => {
    const stat = lstatSync(at);
    out[relative(dir, at) || "."] = stat.isSymbolicLink() ? "link" : (stat.mode & 0o7777).toString(8);
    if (stat.isDirectory()) for (const name of readdirSync(at)) walk(join(at, name));
  };
  walk(dir);
  return Object.fromEntries(Object.entries(out).sort());
}

describe("secureDataDir", () => {
  it("creates a missing DATA_DIR as 0700", () => {
    const dir = tmp.path("fresh/data");
    expect(secureDataDir(dir)).toEqual([]);
    expect(modes(dir)).toEqual({ ".": "700" });
  });

  it("fixes an existing installation: hocba's folders 0700 and files 0600, what else lies beside them left alone", () => {
    const dir = tmp.path("old");
    for (const sub of ["pglite/base/1", "chain", "demo/trust", "notes"])
      mkdirSync(join(dir, sub), { recursive: true });
    const files = {
      "pglite/base/1/16384": 0o644,
      "pglite/PG_VERSION": 0o640,
      "chain/state.json": 0o644,
      "chain/service.key": 0o600,
      "demo/admin.token": 0o666,
      "demo/trust/root.pem": 0o644,
      "notes/readme.txt": 0o644,
      "config.txt": 0o644,
    };
    for (const [name, mode] of Object.entries(files)) {
      writeFileSync(join(dir, name), "x");
      chmodSync(join(dir, name), mode);
    }
    for (const sub of ["", "pglite", "pglite/base", "pglite/base/1", "chain", "demo", "demo/trust", "notes"])
      chmodSync(join(dir, sub), 0o755);
    symlinkSync("/etc/hostname", join(dir, "chain/linked"));

    const fixed = secureDataDir(dir).map((p) => relative(dir, p) || ".");
    expect(fixed.sort()).toEqual(
      [
        ".",
        "pglite",
        "pglite/base",
        "pglite/base/1",
        "pglite/base/1/16384",
        "pglite/PG_VERSION",
        "chain",
        "chain/state.json",
        "demo",
        "demo/admin.token",
        "demo/trust",
        "demo/trust/root.pem",
      ].sort(),
    );
    expect(modes(dir)).toEqual({
      ".": "700",
      chain: "700",
      "chain/linked": "link",
      "chain/service.key": "600",
      "chain/state.json": "600",
      "config.txt": "644",
      demo: "700",
      "demo/admin.token": "600",
      "demo/trust": "700",
      "demo/trust/root.pem": "600",
      notes: "755",
      "notes/readme.txt": "644",
      pglite: "700",
      "pglite/PG_VERSION": "600",
      "pglite/base": "700",
      "pglite/base/1": "700",
      "pglite/base/1/16384": "600",
    });
    expect(secureDataDir(dir)).toEqual([]); // nothing left to fix
  });

  it("answers IO, naming the folder, when DATA_DIR cannot be made", () => {
    const file = tmp.write("a-file", "x");
    let error: unknown;
    try {
      secureDataDir(join(file, "data"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HocbaError);
    expect([(error as HocbaError).code, (error as HocbaError).message]).toEqual([
      "IO",
      `cannot make DATA_DIR ${join(file, "data")} private (0700/0600): Error: ENOTDIR: not a directory, mkdir '${join(file, "data")}'`,
    ]);
  });
});
