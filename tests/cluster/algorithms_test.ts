/** The clustering algorithms and scores on vectors with a known answer. */
import assert from "node:assert/strict";
import { averageLinkage } from "../../src/cluster/average_linkage.ts";
import { chineseWhispers } from "../../src/cluster/chinese_whispers.ts";
import { dbscan } from "../../src/cluster/dbscan.ts";
import { orderGroups } from "../../src/cluster/groups.ts";
import { scoreClusters } from "../../src/cluster/metrics.ts";
import {
  neighborGraph,
  restrictGraph,
  rowDistance,
  type VectorSet,
} from "../../src/cluster/neighbor_graph.ts";
import { Mt19937 } from "../../src/classify/mt19937.ts";
import { euclidean, faceDistance, partSizesOf } from "../../src/identify/metric.ts";

/** `people` random unit centres in `dim` dimensions, `per` noisy unit vectors around each. */
function synthetic(people: number, per: number, dim: number, noise: number, seed = 1) {
  const rng = new Mt19937(seed);
  const gauss = () => {
    const u = (rng.nextUint32() + 1) / 4294967297, v = rng.nextUint32() / 4294967296;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const unit = (x: Float32Array) => {
    const k = 1 / Math.hypot(...x);
    return x.map((t) => t * k);
  };
  const data = new Float32Array(people * per * dim);
  const truth: string[] = [];
  for (let p = 0; p < people; p++) {
    const centre = unit(Float32Array.from({ length: dim }, gauss));
    for (let k = 0; k < per; k++) {
      const x = unit(centre.map((c) => c + noise * gauss()));
      data.set(x, (p * per + k) * dim);
      truth.push(`p${p}`);
    }
  }
  return { v: { data, count: people * per, dim } as VectorSet, truth };
}

/** Textbook average linkage on the full distance matrix: the reference for the sparse version. */
function denseAverageLinkage(v: VectorSet, cut: number): Int32Array {
  let groups = Array.from({ length: v.count }, (_, i) => [i]);
  for (;;) {
    let best = Infinity, bi = -1, bj = -1;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        let s = 0;
        for (const a of groups[i]) for (const b of groups[j]) s += rowDistance(v, a, b);
        const mean = s / (groups[i].length * groups[j].length);
        if (mean < best) [best, bi, bj] = [mean, i, j];
      }
    }
    if (best >= cut) break;
    groups[bi] = [...groups[bi], ...groups[bj]];
    groups = groups.filter((_, k) => k !== bj);
  }
  const labels = new Int32Array(v.count);
  for (const g of groups) for (const i of g) labels[i] = Math.min(...g);
  return labels;
}

Deno.test("average linkage on the sparse graph equals textbook average linkage on the full matrix", async () => {
  // Noise chosen so groups overlap: some people merge, some split, as on real faces.
  const { v } = synthetic(12, 5, 16, 0.35, 7);
  for (const cut of [0.6, 0.8, 1.0, 1.2]) {
    const sparse = averageLinkage(v, await neighborGraph(v, cut), cut);
    assert.deepEqual(sparse, denseAverageLinkage(v, cut), `cut ${cut}`);
  }
});

Deno.test("the neighbour graph does not depend on the block size", async () => {
  const { v } = synthetic(30, 4, 32, 0.3, 3);
  const big = await neighborGraph(v, 0.9);
  const small = await neighborGraph(v, 0.9, 7);
  assert.deepEqual(small.offsets, big.offsets);
  assert.deepEqual(small.targets, big.targets);
  assert.deepEqual(small.distances, big.distances);
  assert.ok(big.targets.length > 0);
  const tight = restrictGraph(big, 0.5);
  assert.deepEqual(tight, await neighborGraph(v, 0.5));
});

Deno.test("separated people: all three algorithms find them exactly; ids go by group size", async () => {
  const { v, truth } = synthetic(6, 4, 64, 0.04, 11);
  const graph = await neighborGraph(v, 0.8);
  for (
    const labels of [averageLinkage(v, graph, 0.8), chineseWhispers(graph), dbscan(graph, 2)]
  ) {
    const s = scoreClusters(labels, truth);
    assert.equal(s.bcubed.f1, 1);
    assert.equal(s.pairwise.f1, 1);
  }
  const { groups, groupOf } = orderGroups(Int32Array.of(9, 4, 9, 4, 4, 7));
  assert.deepEqual(groups, [[1, 3, 4], [0, 2], [5]]);
  assert.deepEqual(groupOf, Int32Array.of(1, 0, 1, 0, 0, 2));
});

Deno.test("pairwise and BCubed scores of a grouping worked out by hand", () => {
  // Truth: a a a b b; predicted: {0,1} {2,3,4}.
  const s = scoreClusters([0, 0, 1, 1, 1], ["a", "a", "a", "b", "b"]);
  // Pairs put together: (0,1) right; (2,3), (2,4) wrong, (3,4) right → P = 2/4; true pairs 3+1 → R = 2/4.
  assert.equal(s.pairwise.precision, 0.5);
  assert.equal(s.pairwise.recall, 0.5);
  // BCubed P: items 0,1: 1; item 2: 1/3; items 3,4: 2/3 → (2 + 1/3 + 4/3) / 5.
  assert.ok(Math.abs(s.bcubed.precision - (2 + 1 / 3 + 4 / 3) / 5) < 1e-12);
  // BCubed R: items 0,1: 2/3; item 2: 1/3; items 3,4: 1 → (4/3 + 1/3 + 2) / 5.
  assert.ok(Math.abs(s.bcubed.recall - (4 / 3 + 1 / 3 + 2) / 5) < 1e-12);
  assert.deepEqual(scoreClusters([0, 1], ["a", "b"]).pairwise, { precision: 1, recall: 1, f1: 1 });
});

/** Rows that concatenate two unit parts (128 + 192 values) × 1/√2, like the fused embedder's. */
function fusedRows(rows: [number[], number[]][]): VectorSet {
  const data = new Float32Array(rows.length * 320);
  rows.forEach(([a, b], r) => {
    const put = (x: number[], at: number, size: number) => {
      const part = Float32Array.from({ length: size }, (_, i) => x[i] ?? 0);
      const k = 1 / (Math.hypot(...part) * Math.SQRT2);
      part.forEach((t, i) => data[r * 320 + at + i] = t * k);
    };
    put(a, 0, 128);
    put(b, 128, 192);
  });
  return { data, count: rows.length, dim: 320, parts: partSizesOf("fused-v1", 320) };
}

Deno.test("fused vectors are linked by the mean of the models' distances, not the concatenation's", async () => {
  // Part distances 0.2 (dlib) and 1.2 (MobileFaceNet): mean 0.70, concatenation √0.74 ≈ 0.86.
  const angle = (d: number) => 2 * Math.asin(d / 2);
  const v = fusedRows([
    [[1], [1]],
    [[Math.cos(angle(0.2)), Math.sin(angle(0.2))], [Math.cos(angle(1.2)), Math.sin(angle(1.2))]],
  ]);
  const a = v.data.subarray(0, 320), b = v.data.subarray(320, 640);
  assert.ok(Math.abs(faceDistance("fused-v1")(a, b) - 0.7) < 1e-5);
  assert.ok(Math.abs(euclidean(a, b) - Math.sqrt(0.74)) < 1e-5);
  assert.ok(Math.abs(rowDistance(v, 0, 1) - 0.7) < 1e-5);
  const graph = await neighborGraph(v, 0.8);
  assert.deepEqual([...graph.targets], [1, 0]);
  assert.deepEqual([...averageLinkage(v, graph, 0.8)], [0, 0]);
  const concatenated = { ...v, parts: undefined };
  assert.equal((await neighborGraph(concatenated, 0.8)).targets.length, 0);
});

Deno.test("fused neighbour graph: exactly the pairs under the radius by faceDistance, any block size", async () => {
  const rng = new Mt19937(5);
  const rand = () => rng.nextUint32() / 4294967296 - 0.5;
  const base = Array.from(
    { length: 8 },
    () =>
      [Array.from({ length: 128 }, rand), Array.from({ length: 192 }, rand)] as [
        number[],
        number[],
      ],
  );
  const rows = base.flatMap(([a, b]) =>
    [0, 1, 2, 3].map((): [number[], number[]] => [
      a.map((t) => t + 0.04 * rand()),
      b.map((t) => t + 0.08 * rand()),
    ])
  );
  const v = fusedRows(rows);
  const distance = faceDistance("fused-v1");
  const row = (i: number) => v.data.subarray(i * 320, (i + 1) * 320);
  const expected: string[] = [];
  for (let i = 0; i < v.count; i++) {
    for (let j = 0; j < v.count; j++) {
      if (i !== j && distance(row(i), row(j)) < 0.6) expected.push(`${i}-${j}`);
    }
  }
  for (const block of [1024, 5]) {
    const graph = await neighborGraph(v, 0.6, block);
    const found: string[] = [];
    for (let i = 0; i < v.count; i++) {
      for (let e = graph.offsets[i]; e < graph.offsets[i + 1]; e++) {
        found.push(`${i}-${graph.targets[e]}`);
        assert.ok(Math.abs(graph.distances[e] - distance(row(i), row(graph.targets[e]))) < 1e-5);
      }
    }
    assert.deepEqual(found, expected, `block ${block}`);
  }
  assert.ok(expected.length > 0 && expected.length < v.count * (v.count - 1));
});
