// A cache that forgets its oldest entry past a bound: for values keyed by what clients send
// (header strings, locales) or by SQL text, which are costly to build (Intl formatters,
// negotiation, prepared statements) and must never grow without end.
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}

  /** The value kept for `key`, made and kept on first ask (the oldest goes past the bound). */
  get(key: K, make: () => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make();
      // A Map iterates in insertion order: its first key is the oldest.
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
      this.map.set(key, v);
    }
    return v;
  }

  get size(): number {
    return this.map.size;
  }
}
