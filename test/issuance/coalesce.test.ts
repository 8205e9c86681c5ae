import { describe, expect, it } from "vitest";
import { coalesced } from "../../service/src/issuance/coalesce";

/** A fetch the test releases by hand, recording what each query asked for. */
function controlledFetch() {
  const queries: string[][] = [];
  const releases: { resolve(): void; reject(error: Error): void }[] = [];
  const fetchMany = (keys: readonly string[]) => {
    queries.push([...keys]);
    return new Promise<ReadonlyMap<string, number>>((resolve, reject) => {
      releases.push({
        resolve: () => resolve(new Map(keys.filter((k) => k !== "missing").map((k) => [k, k.length]))),
        reject,
      });
    });
  };
  return { queries, releases, fetchMany };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("coalesced reads", () => {
  it("asks at once when nothing is in flight, and gathers the keys asked meanwhile into the next query", async () => {
    const { queries, releases, fetchMany } = controlledFetch();
    const read = coalesced(fetchMany, (k: string) => k);
    const first = read("a");
    expect(queries).toEqual([["a"]]);
    const rest = [read("bb"), read("ccc"), read("bb"), read("missing")];
    await tick();
    expect(queries).toEqual([["a"]]);
    releases[0]!.resolve();
    expect(await first).toBe(1);
    await tick();
    expect(queries).toEqual([["a"], ["bb", "ccc", "missing"]]);
    releases[1]!.resolve();
    expect(await Promise.all(rest)).toEqual([2, 3, 2, undefined]);
  });

  it("rejects every asker of a failed query with its error, and the next query still goes", async () => {
    const { queries, releases, fetchMany } = controlledFetch();
    const read = coalesced(fetchMany, (k: string) => k);
    const first = read("a");
    const second = [read("b"), read("c")];
    releases[0]!.reject(new Error("connection terminated"));
    await expect(first).rejects.toThrow("connection terminated");
    await tick();
    expect(queries).toEqual([["a"], ["b", "c"]]);
    releases[1]!.reject(new Error("still down"));
    await expect(Promise.all(second)).rejects.toThrow("still down");
    const third = read("dd");
    expect(queries).toEqual([["a"], ["b", "c"], ["dd"]]);
    releases[2]!.resolve();
    expect(await third).toBe(2);
  });

  it("never answers a key from a query that started before it was asked", async () => {
    const { queries, releases, fetchMany } = controlledFetch();
    const read = coalesced(fetchMany, (k: string) => k);
    const early = read("a");
    const late = read("a");
    expect(queries).toEqual([["a"]]);
    releases[0]!.resolve();
    expect(await early).toBe(1);
    await tick();
    expect(queries).toEqual([["a"], ["a"]]);
    releases[1]!.resolve();
    expect(await late).toBe(1);
  });
});
