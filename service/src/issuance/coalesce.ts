/**
 * One read for many concurrent askers. A read asked for while the same kind of read is in flight
 * waits for it to finish and then goes, with every other read asked meanwhile, in one query. Each
 * answer therefore comes from a query that started after it was asked: as fresh as asking alone
 * (a revoked key or a removed certificate is seen exactly as soon), with one round trip for many
 * requests when they crowd in. A quiet service asks at once, one key per query.
 */

/** Fetches the answers for `keys` (distinct), keyed by the same string ids; a missing key has no answer. */
export type FetchMany<K, V> = (keys: readonly K[]) => Promise<ReadonlyMap<string, V>>;

interface Entry<K, V> {
  key: K;
  waiters: { resolve(value: V | undefined): void; reject(error: unknown): void }[];
}

/** `read(key)` answered by `fetchMany`, at most one query in flight; `idOf` names equal keys alike. */
export function coalesced<K, V>(
  fetchMany: FetchMany<K, V>,
  idOf: (key: K) => string,
): (key: K) => Promise<V | undefined> {
  let waiting: Map<string, Entry<K, V>> | undefined;
  let inFlight = false;

  function run(): void {
    const batch = waiting!;
    waiting = undefined;
    inFlight = true;
    fetchMany([...batch.values()].map((e) => e.key))
      .then(
        (found) => {
          for (const [id, e] of batch) for (const w of e.waiters) w.resolve(found.get(id));
        },
        (error: unknown) => {
          for (const e of batch.values()) for (const w of e.waiters) w.reject(error);
        },
      )
      .finally(() => {
        inFlight = false;
        if (waiting !== undefined) run();
      });
  }

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      const id = idOf(key);
      waiting ??= new Map();
      let entry = waiting.get(id);
      if (entry === undefined) waiting.set(id, (entry = { key, waiters: [] }));
      entry.waiters.push({ resolve, reject });
      if (!inFlight) run();
    });
}
