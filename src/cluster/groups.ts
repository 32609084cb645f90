/** Turning raw group labels into the ids users see: 0 for the largest group, and so on. */

/** Groups in display order: each is its rows, ascending. */
export interface Grouping {
  /** Rows of each group: largest group first, ties by smallest row. */
  groups: number[][];
  /** Row → index into `groups`. */
  groupOf: Int32Array;
}

/**
 * Orders groups by size (largest first), then by their first row, so ids depend only on the
 * rows' order and their grouping, not on how labels were numbered.
 *
 * @example
 * orderGroups(Int32Array.of(5, 1, 5)).groups; // [[0, 2], [1]]
 */
export function orderGroups(labels: Int32Array): Grouping {
  const byLabel = new Map<number, number[]>();
  labels.forEach((label, row) => {
    const rows = byLabel.get(label);
    if (rows) rows.push(row);
    else byLabel.set(label, [row]);
  });
  const groups = [...byLabel.values()].sort((a, b) => b.length - a.length || a[0] - b[0]);
  const groupOf = new Int32Array(labels.length);
  groups.forEach((rows, g) => {
    for (const row of rows) groupOf[row] = g;
  });
  return { groups, groupOf };
}
