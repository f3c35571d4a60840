// The first `limit` items of a stream in an order, holding never more than `limit`: a ranked listing of 100,000
// identities keeps its top 20, not all of them.

export class KeepTop<T> {
  private readonly items: T[] = [];
  /** How many were offered (the listing's "N matched"). */
  seen = 0;

  constructor(
    private readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  offer(item: T): void {
    this.seen++;
    const items = this.items;
    if (items.length >= this.limit && this.compare(item, items.at(-1)!) >= 0) return;
    // Binary search for the first item that sorts after this one: equal items keep their arrival order.
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(items[mid]!, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, item);
    if (items.length > this.limit) items.pop();
  }

  /** Held now (at most `limit`). */
  get size(): number {
    return this.items.length;
  }

  sorted(): T[] {
    return [...this.items];
  }
}
