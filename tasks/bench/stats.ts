/** Summary statistics for the benchmark: median and spread of repeated measurements. */

/** A measurement repeated over runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/**
 * The median of `values` (NaN when empty).
 *
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median, minimum and maximum of repeated measurements (non-finite values ignored).
 *
 * @example
 * spread([10, 12, 11]); // { median: 11, min: 10, max: 12, runs: 3 }
 */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : NaN,
    max: finite.length ? Math.max(...finite) : NaN,
    runs: finite.length,
  };
}

/**
 * A spread as text: `median (min–max)` with `digits` decimals.
 *
 * @example
 * formatSpread({ median: 1.234, min: 1.1, max: 1.5, runs: 3 }, 2); // "1.23 (1.10–1.50)"
 */
export function formatSpread(s: Spread, digits = 1): string {
  if (!Number.isFinite(s.median)) return "n/a";
  const f = (v: number) => v.toFixed(digits);
  return s.runs > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}

/** Rounds to `digits` decimals (for the JSON report). */
export function round(value: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(value * k) / k;
}
