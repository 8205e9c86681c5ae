import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configurationTable } from "../../service/src/config/config";

const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");

/** The cells of a Markdown table's body rows, whatever their alignment padding. */
function cells(table: string): string[][] {
  return table
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
}

describe("the README", () => {
  it("starts with the two quick-start commands", () => {
    expect(readme.split("\n").slice(2, 6)).toEqual([
      "```sh",
      "npm install && npm start   # install, then start the service on its embedded defaults",
      "npm test                   # run every test (contracts, core, service, CLI)",
      "```",
    ]);
  });

  it("lists every setting the config loader reads, with its default and meaning", () => {
    const section =
      /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1] ?? "";
    expect(cells(section)).toEqual(cells(configurationTable()));
  });
});
