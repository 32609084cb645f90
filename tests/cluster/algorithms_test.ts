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
