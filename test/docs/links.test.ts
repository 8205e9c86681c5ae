/**
 * The repository stands on its own: no file points at a design document outside it, and every
 * relative link of its Markdown files leads to a file that is in it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const tracked = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\n")
  .filter((file) => file !== "" && existsSync(path.join(root, file)));
const TEXT = /\.(ts|mts|mjs|js|json|sol|sql|md|html|css|toml|yml|yaml|csv)$|^\.ci\/run$/;

/** References to the specification the project was started from, which is not in the repository. */
const OUTSIDE = [/(\.\.\/)+shared\//, /\/work\/shared/, /\b(DESIGN|domain|STYLE|toolchain)\.md\b/];

describe("the repository's documentation", () => {
  it("refers to no design file outside the repository", () => {
    const self = path.relative(root, __filename);
    const found = tracked
      .filter((file) => TEXT.test(file) && file !== self)
      .flatMap((file) =>
        readFileSync(path.join(root, file), "utf8")
          .split("\n")
          .map((line, i) => ({ file, line: i + 1, text: line }))
          .filter(({ text }) => OUTSIDE.some((pattern) => pattern.test(text))),
      );
    expect(found).toEqual([]);
  });

  it("links from every Markdown file only to files that exist", () => {
    const broken = tracked
      .filter((file) => file.endsWith(".md"))
      .flatMap((file) =>
        [...readFileSync(path.join(root, file), "utf8").matchAll(/\]\(([^)\s]+)\)/g)]
          .map((match) => match[1]!.split("#")[0]!)
          .filter((target) => target !== "" && !/^[a-z]+:/.test(target))
          .filter((target) => !existsSync(path.resolve(root, path.dirname(file), target)))
          .map((target) => `${file} → ${target}`),
      );
    expect(broken).toEqual([]);
  });

  it("has an index that links every document in docs/", () => {
    const index = readFileSync(path.join(root, "docs/README.md"), "utf8");
    const documents = tracked.filter((file) => file.startsWith("docs/") && file !== "docs/README.md");
    expect(documents.filter((file) => !index.includes(`](${path.relative("docs", file)})`))).toEqual([]);
  });
});
