/**
 * A map of at most `limit` entries that drops its oldest first, at O(1) per insert.
 *
 * The obvious bound, a Map evicting `keys().next()` on each insert past the limit, costs
 * O(evictions so far) per insert under Bun: a deleted entry stays in the table, in front,
 * until the table is rebuilt, and every `keys().next()` walks past all of them. At 5,000
 * entries that was 4.4 µs an insert against 0.2 µs here, and ~5 % of the discount's CPU
 * in an open phase, where every winner's answer is remembered (measured, issue 18).
 *
 * So entries live in two generations: inserts go to the young one, and when it holds half
 * the limit it becomes the old one and the previous old one is dropped whole. Whatever is
 * dropped is older than everything kept; between half the limit and the limit are kept.
 */
export class BoundedMap<K, V extends NonNullable<unknown>> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;

  constructor(
    limit: number,
    /** Told of each entry the bound drops (not of those deleted), e.g. to drop what is kept beside it. */
    private readonly onDrop?: (key: K, value: V) => void,
  ) {
    this.half = Math.max(1, Math.ceil(limit / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: K): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  /** A key already held keeps its age and takes the new value. */
  set(key: K, value: V): void {
    if (this.young.has(key)) {
      this.young.set(key, value);
    } else if (this.old.has(key)) {
      this.old.set(key, value);
    } else {
      if (this.young.size >= this.half) this.rotate();
      this.young.set(key, value);
    }
  }

  delete(key: K): boolean {
    return this.young.delete(key) || this.old.delete(key);
  }

  /** Lets every entry go at once (not reported as dropped by the bound). */
  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  private rotate(): void {
    const dropped = this.old;
    this.old = this.young;
    this.young = new Map();
    if (this.onDrop) for (const [key, value] of dropped) this.onDrop(key, value);
  }
}
