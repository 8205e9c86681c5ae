/**
 * One value per object, made on first use and kept as long as the object lives (a WeakMap): the
 * key ring of a crypto implementation, the chain port of a registry client.
 */
export function oncePer<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    return value;
  };
}
