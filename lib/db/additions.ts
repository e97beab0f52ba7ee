// Additions to running sums (a campaign's totals, the staff rollups) gathered over a write
// transaction and written once each, just before it commits. A burst of webhooks committed
// together (write-batch.ts) then updates the totals row and each rollup row once, not once per
// gift: fewer statements inside the ledger's one-writer section, which is what bounds ingest.
// Nothing in a write reads these sums back, so deferring them changes no answer.

type Write = (values: number[]) => Promise<unknown>;

export class Additions {
  private readonly entries = new Map<string, { values: number[]; write: Write }>();

  /**
   * Adds `values` to the sums under `id`; `write` stores a sum (the last one given is used, so
   * a time it carries is the latest). Values under one id line up by position.
   */
  add(id: string, values: readonly number[], write: Write): void {
    const entry = this.entries.get(id);
    if (!entry) {
      this.entries.set(id, { values: [...values], write });
      return;
    }
    values.forEach((v, i) => (entry.values[i] = (entry.values[i] ?? 0) + v));
    entry.write = write;
  }

  /** One write's additions join its batch's once that write has succeeded. */
  mergeInto(other: Additions): void {
    for (const [id, { values, write }] of this.entries) other.add(id, values, write);
  }

  /**
   * Writes every sum that moved (all zeros: nothing changed, nothing written), then forgets
   * them. In the order of their ids, the same in every transaction: two transactions writing
   * the same rows (PostgreSQL, writes with keys) then never wait for each other in a circle.
   */
  async flush(): Promise<void> {
    const ids = [...this.entries.keys()].sort();
    for (const id of ids) {
      const { values, write } = this.entries.get(id)!;
      if (values.some((v) => v !== 0)) await write(values);
    }
    this.entries.clear();
  }
}
