/** A binary min-heap of candidate merges, ordered by key then by the two cluster ids. */

/** One candidate: merge clusters `a` < `b` at `key`, valid while both have these versions. */
export interface Candidate {
  key: number;
  a: number;
  b: number;
  versionA: number;
  versionB: number;
}

function less(x: Candidate, y: Candidate): boolean {
  if (x.key !== y.key) return x.key < y.key;
  if (x.a !== y.a) return x.a < y.a;
  return x.b < y.b;
}

/** Smallest first; ties broken by ids, so the merge order never depends on insertion order. */
export class CandidateHeap {
  #items: Candidate[] = [];

  /** Number of queued candidates (stale ones included). */
  get size(): number {
    return this.#items.length;
  }

  /** Adds a candidate. */
  push(item: Candidate): void {
    const h = this.#items;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  /** Removes and returns the smallest candidate. */
  pop(): Candidate | undefined {
    const h = this.#items;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
