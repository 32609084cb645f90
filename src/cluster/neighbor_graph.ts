/**
 * Which faces are near which: every pair closer than a radius, found by computing distances in
 * square blocks (tfjs matMul on the WASM backend), so memory holds one block of distances and the
 * sparse list of near pairs, never an n × n matrix. The distance is faceprint's for the embedder
 * (src/identify/metric.ts): Euclidean, or for a fused embedder the mean of its parts' distances.
 */
import * as tf from "@tensorflow/tfjs-core";
import { initTf } from "../runtime/tf.ts";

/** Row-major vectors: `count` rows of `dim` values. */
export interface VectorSet {
  data: Float32Array;
  count: number;
  dim: number;
  /**
   * A fused embedder's part sizes (`partSizesOf`): rows concatenate k unit vectors × 1/√k and
   * the distance is the mean of the parts' Euclidean distances. Absent or one part: Euclidean.
   */
  parts?: readonly number[];
}

/**
 * Near pairs in compressed sparse rows, both directions: the neighbours of `i` are
 * `targets[offsets[i] .. offsets[i+1])`, ascending, at `distances` of the same index.
 */
export interface NeighborGraph {
  count: number;
  offsets: Int32Array;
  targets: Int32Array;
  distances: Float32Array;
}

/**
 * Rows per distance block: a 1024 × 1024 block of float32 is 4 MiB. Against 2048 rows, peak RSS
 * clustering 20,000 synthetic faces fell from 557 to 295 MiB, in the same time (9.6 against 10.5 s).
 */
export const BLOCK_ROWS = 1024;

/** A growable list of (i, j, d) triples in typed arrays. */
class PairList {
  i = new Int32Array(1024);
  j = new Int32Array(1024);
  d = new Float32Array(1024);
  length = 0;

  push(i: number, j: number, d: number): void {
    if (this.length === this.i.length) {
      const grow = <T extends Int32Array | Float32Array>(a: T): T => {
        const b = new (a.constructor as { new (n: number): T })(a.length * 2);
        b.set(a);
        return b;
      };
      this.i = grow(this.i);
      this.j = grow(this.j);
      this.d = grow(this.d);
    }
    this.i[this.length] = i;
    this.j[this.length] = j;
    this.d[this.length++] = d;
  }
}

/**
 * faceprint's distance between rows `a` and `b` of a vector set: Euclidean, or the mean over
 * parts of each part's Euclidean distance rescaled to unit vectors (as `meanPartDistance`).
 */
export function rowDistance(v: VectorSet, a: number, b: number): number {
  const { data, dim, parts } = v;
  if (!parts || parts.length < 2) {
    let s = 0;
    for (let k = 0, pa = a * dim, pb = b * dim; k < dim; k++) {
      const t = data[pa + k] - data[pb + k];
      s += t * t;
    }
    return Math.sqrt(s);
  }
  let total = 0;
  for (let p = 0, k = 0, pa = a * dim, pb = b * dim; p < parts.length; p++) {
    let s = 0;
    for (const end = k + parts[p]; k < end; k++) {
      const t = data[pa + k] - data[pb + k];
      s += t * t;
    }
    total += Math.sqrt(s);
  }
  // mean over k parts of √k·|a_p − b_p|
  return total / Math.sqrt(parts.length);
}

/**
 * Every pair of rows closer than `radius` (faceprint's distance, see {@link rowDistance}), as a
 * symmetric sparse graph. Per part, squared distances come from |a|² + |b|² − 2a·b with the dot
 * products of each block pair from one matMul; pairs near the radius are recomputed exactly so
 * the result does not depend on the block layout.
 *
 * @example
 * const graph = await neighborGraph({ data, count: n, dim: 320, parts: [128, 192] }, 0.8);
 */
export async function neighborGraph(
  v: VectorSet,
  radius: number,
  blockRows = BLOCK_ROWS,
): Promise<NeighborGraph> {
  await initTf();
  const { data, count, dim } = v;
  const parts = v.parts && v.parts.length > 1 ? v.parts : [dim];
  const k = parts.length;
  const offsets = parts.map((_, p) => parts.slice(0, p).reduce((a, b) => a + b, 0));
  // norms[p][r]: squared norm of part p of row r.
  const norms = parts.map((size, p) => {
    const out = new Float32Array(count);
    for (let r = 0; r < count; r++) {
      let s = 0;
      for (let c = r * dim + offsets[p]; c < r * dim + offsets[p] + size; c++) {
        s += data[c] * data[c];
      }
      out[r] = s;
    }
    return out;
  });
  const pairs = new PairList();
  // One part: a pair is kept when |a − b|² < radius². Parts: when Σ_p |a_p − b_p| < √k · radius.
  // Blocked values within the margin of the bound are recomputed exactly.
  const r2 = radius * radius;
  const margin2 = 1e-4 * (1 + r2);
  const limit = Math.sqrt(k) * radius;
  const margin = 1e-3 * (1 + limit);
  const firstBound = k === 1 ? r2 + margin2 : (limit + margin) ** 2;
  let dots: Float32Array[] = [];
  /** Σ_p |a_p − b_p| of rows i and j from the blocked dot products at `at`. */
  const partSum = (i: number, j: number, at: number): number => {
    let sum = 0;
    for (let p = 0; p < k; p++) {
      const d2 = norms[p][i] + norms[p][j] - 2 * dots[p][at];
      sum += d2 > 0 ? Math.sqrt(d2) : 0;
    }
    return sum;
  };
  // Column blocks are kept transposed (dim × rows): tfjs-wasm's matMul takes its XNNPACK path
  // only without transpose flags, ~10× faster (1024 × 320 × 1024: 81 against 790 ms).
  const starts: number[] = [];
  for (let start = 0; start < count; start += blockRows) starts.push(start);
  const rowsOf = (b: number) => Math.min(blockRows, count - starts[b]);
  const sliceParts = (b: number, transposed: boolean) =>
    tf.tidy(() => {
      const block = tf.tensor2d(
        data.subarray(starts[b] * dim, (starts[b] + rowsOf(b)) * dim),
        [rowsOf(b), dim],
      );
      return parts.map((size, p) => {
        const part = k === 1 ? block : tf.slice(block, [0, offsets[p]], [rowsOf(b), size]);
        return (transposed ? tf.transpose(part) : tf.clone(part)) as tf.Tensor2D;
      });
    });
  const columns = starts.map((_, b) => sliceParts(b, true));
  try {
    for (let bi = 0; bi < starts.length; bi++) {
      const rows = sliceParts(bi, false);
      for (let bj = bi; bj < starts.length; bj++) {
        dots = rows.map((r, p) => {
          const product = tf.matMul(r, columns[bj][p]);
          const out = product.dataSync() as Float32Array;
          product.dispose();
          return out;
        });
        const i0 = starts[bi], j0 = starts[bj];
        const cols = rowsOf(bj);
        const n0 = norms[0], dot0 = dots[0];
        for (let a = 0; a < rowsOf(bi); a++) {
          const i = i0 + a;
          const ni = n0[i];
          for (let b = bi === bj ? a + 1 : 0; b < cols; b++) {
            const j = j0 + b;
            // The first part alone rules out most pairs; for one part it is the whole test.
            if (ni + n0[j] - 2 * dot0[a * cols + b] >= firstBound) continue;
            if (k > 1 && partSum(i, j, a * cols + b) >= limit + margin) continue;
            const d = rowDistance(v, i, j);
            if (d < radius) pairs.push(i, j, d);
          }
        }
      }
      tf.dispose(rows);
    }
  } finally {
    for (const column of columns) tf.dispose(column);
  }
  return toCsr(count, pairs);
}

function toCsr(count: number, pairs: PairList): NeighborGraph {
  const degree = new Int32Array(count + 1);
  for (let p = 0; p < pairs.length; p++) {
    degree[pairs.i[p] + 1]++;
    degree[pairs.j[p] + 1]++;
  }
  for (let r = 0; r < count; r++) degree[r + 1] += degree[r];
  const offsets = degree;
  const fill = offsets.slice(0, count);
  const targets = new Int32Array(2 * pairs.length);
  const distances = new Float32Array(2 * pairs.length);
  for (let p = 0; p < pairs.length; p++) {
    const i = pairs.i[p], j = pairs.j[p], d = pairs.d[p];
    targets[fill[i]] = j;
    distances[fill[i]++] = d;
    targets[fill[j]] = i;
    distances[fill[j]++] = d;
  }
  for (let r = 0; r < count; r++) sortRow(targets, distances, offsets[r], offsets[r + 1]);
  return { count, offsets, targets, distances };
}

/** Sorts one row's neighbours by index (insertion sort: rows are short and nearly sorted). */
function sortRow(t: Int32Array, d: Float32Array, from: number, to: number): void {
  for (let a = from + 1; a < to; a++) {
    const tk = t[a], dk = d[a];
    let b = a - 1;
    while (b >= from && t[b] > tk) {
      t[b + 1] = t[b];
      d[b + 1] = d[b];
      b--;
    }
    t[b + 1] = tk;
    d[b + 1] = dk;
  }
}

/**
 * The sub-graph of pairs closer than `radius` (≤ the graph's own radius), without recomputing
 * distances: how one blocked pass serves several thresholds.
 *
 * @example
 * const tight = restrictGraph(await neighborGraph(v, 1.0), 0.8);
 */
export function restrictGraph(graph: NeighborGraph, radius: number): NeighborGraph {
  const { count, offsets, targets, distances } = graph;
  const keep = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) {
    let k = 0;
    for (let e = offsets[i]; e < offsets[i + 1]; e++) if (distances[e] < radius) k++;
    keep[i + 1] = keep[i] + k;
  }
  const t = new Int32Array(keep[count]);
  const d = new Float32Array(keep[count]);
  for (let i = 0, w = 0; i < count; i++) {
    for (let e = offsets[i]; e < offsets[i + 1]; e++) {
      if (distances[e] < radius) {
        t[w] = targets[e];
        d[w++] = distances[e];
      }
    }
  }
  return { count, offsets: keep, targets: t, distances: d };
}
