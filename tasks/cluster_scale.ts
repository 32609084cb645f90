/**
 * `deno task cluster-scale N [--per K]`: how long and how much memory clustering N faces takes,
 * after embedding. The faces are **synthetic** 320-d unit vectors (the fused embedder's size):
 * N / K people, each a random direction, K faces each at a spread that puts same-person distances
 * near 0.5 and different-person distances near 1.41, like real embeddings. Prints the time of the
 * blocked distance pass, of average linkage, the near pairs found, and the resident memory.
 * Measure peak memory with `/usr/bin/time -v` around it.
 */
import { parseArgs } from "node:util";
import { averageLinkage } from "../src/cluster/average_linkage.ts";
import { DEFAULT_CUTS } from "../src/cluster/defaults.ts";
import { orderGroups } from "../src/cluster/groups.ts";
import { neighborGraph } from "../src/cluster/neighbor_graph.ts";
import { Mt19937 } from "../src/classify/mt19937.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { per: { type: "string" } },
});
const n = Number(positionals[0] ?? 10000);
const per = Number(values.per ?? 5);
const dim = 320;
const rng = new Mt19937(42);
const gauss = () => {
  const u = (rng.nextUint32() + 1) / 4294967297, v = rng.nextUint32() / 4294967296;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};
const data = new Float32Array(n * dim);
const centre = new Float32Array(dim);
const spread = 0.36 / Math.sqrt(dim); // |noise| ≈ 0.36 → same-person distance ≈ 0.5
for (let i = 0; i < n; i++) {
  if (i % per === 0) { for (let k = 0; k < dim; k++) centre[k] = gauss() / Math.sqrt(dim); }
  let s = 0;
  for (let k = 0; k < dim; k++) {
    const x = centre[k] + spread * gauss();
    data[i * dim + k] = x;
    s += x * x;
  }
  const inv = 1 / Math.sqrt(s);
  for (let k = 0; k < dim; k++) data[i * dim + k] *= inv;
}
const v = { data, count: n, dim };
const cut = DEFAULT_CUTS["fused-v1"];
const mib = () => (Deno.memoryUsage().rss / 2 ** 20).toFixed(0);
const t0 = performance.now();
const graph = await neighborGraph(v, cut);
const t1 = performance.now();
const labels = averageLinkage(v, graph, cut);
const t2 = performance.now();
const groups = orderGroups(labels).groups;
console.log(JSON.stringify({
  faces: n,
  people: Math.ceil(n / per),
  cut,
  nearPairs: graph.targets.length / 2,
  groups: groups.length,
  distancesSeconds: +((t1 - t0) / 1000).toFixed(2),
  linkageSeconds: +((t2 - t1) / 1000).toFixed(2),
  totalSeconds: +((t2 - t0) / 1000).toFixed(2),
  rssMiB: +mib(),
}));
