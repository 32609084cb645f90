/**
 * `deno task cluster-eval EMB.jsonl [--labels CSV] [--sweep]`: how well each clustering algorithm
 * groups labelled faces, per embedder, over a range of thresholds. EMB.jsonl is `faceprint embed`
 * output (one face per image, e.g. `--pick center` on LFW); a face's person is its image's folder
 * name, or the identity given for its file name by `--labels` (CSV `file,identity`; identities
 * naming several people, like deepface's `id01 + 1 other`, are left out). Fused embeddings are
 * also scored as their dlib and MobileFaceNet parts (each model's unit vector), as
 * `deno task calibrate` does, and with faceprint's fused distance (the mean of the two models'
 * distances, as verify and identify use) in place of the concatenation's Euclidean distance.
 *
 * Prints a Markdown table: for each embedder and algorithm, the threshold with the best BCubed F1
 * among those with pairwise precision ≥ 0.99, with pairwise and BCubed precision/recall/F1 and
 * the number of groups, and average linkage at faceprint's default cut. Then a held-out check:
 * the cut chosen by the same rule on one half of the people, scored on the other half. `--sweep`
 * lists every threshold tried in the first table (up to where pairwise precision falls below 0.5).
 */
import { parseArgs } from "node:util";
import { parseEmbeddings } from "../src/cluster/embeddings_file.ts";
import { neighborGraph, restrictGraph, type VectorSet } from "../src/cluster/neighbor_graph.ts";
import { averageLinkage } from "../src/cluster/average_linkage.ts";
import { chineseWhispers } from "../src/cluster/chinese_whispers.ts";
import { dbscan } from "../src/cluster/dbscan.ts";
import { DEFAULT_CUTS } from "../src/cluster/defaults.ts";
import { type ClusterScores, scoreClusters } from "../src/cluster/metrics.ts";
import { partSizesOf } from "../src/identify/metric.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { labels: { type: "string" }, sweep: { type: "boolean" } },
});
if (positionals.length !== 1) {
  console.error("usage: deno task cluster-eval EMB.jsonl [--labels file,identity.csv] [--sweep]");
  Deno.exit(2);
}
const path = positionals[0];
const table = parseEmbeddings(await Deno.readTextFile(path), path, (dim) => `${dim}-d`);

const base = (f: string) => f.split(/[\\/]/).pop()!;
const labelOf = await (async () => {
  if (!values.labels) return (f: string) => f.split(/[\\/]/).slice(-2, -1)[0];
  const map = new Map<string, string>();
  for (const line of (await Deno.readTextFile(values.labels)).split("\n").slice(1)) {
    const [file, id] = line.trim().split(",");
    if (file && id && !id.includes("+")) map.set(base(file), id); // "id01 + 1 other": several
  }
  return (f: string) => map.get(base(f));
})();
const keep = table.faces.map((f, i) => [i, labelOf(f.file)] as const).filter(([, l]) => l);
const truth = keep.map(([, l]) => l!);
const people = new Set(truth).size;
console.error(
  `${path}: ${keep.length} labelled faces of ${people} people (${table.faces.length} faces read)`,
);

function part(v: VectorSet, from: number, to: number): VectorSet {
  const dim = to - from;
  const data = new Float32Array(keep.length * dim);
  keep.forEach(([row], i) => {
    const x = v.data.subarray(row * v.dim + from, row * v.dim + to);
    let s = 0;
    for (const t of x) s += t * t;
    const k = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) data[i * dim + j] = x[j] * k;
  });
  return { data, count: keep.length, dim };
}

const v = table.vectors;
const embedders: [string, VectorSet, number[]][] = v.dim === 320
  ? [
    ["fused", part(v, 0, 320), range(0.6, 0.8, 0.01)],
    [
      "fused, mean of parts",
      { ...part(v, 0, 320), parts: partSizesOf("fused-v1", 320) },
      range(0.6, 0.75, 0.005),
    ],
    ["dlib", part(v, 0, 128), range(0.26, 0.4, 0.01)],
    ["mobilefacenet", part(v, 128, 320), range(0.8, 1.04, 0.01)],
  ]
  : [[`${v.dim}-d`, part(v, 0, v.dim), range(0.2, 1.4, 0.02)]];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let x = from; x <= to + 1e-9; x += step) out.push(Math.round(x * 1000) / 1000);
  return out;
}

const algorithms: [
  string,
  (v: VectorSet, t: number, g: ReturnType<typeof restrictGraph>) => Int32Array,
][] = [
  ["average linkage", (v, t, g) => averageLinkage(v, g, t)],
  ["Chinese whispers", (_v, _t, g) => chineseWhispers(g)],
  ["DBSCAN minPts 2", (_v, _t, g) => dbscan(g, 2)],
  ["DBSCAN minPts 3", (_v, _t, g) => dbscan(g, 3)],
];

const f3 = (x: number) => x.toFixed(3);
const row = (e: string, a: string, t: number, s: ClusterScores, groups: number, ms: number) =>
  `| ${e} | ${a} | ${t} | ${f3(s.pairwise.precision)} | ${f3(s.pairwise.recall)} | ${
    f3(s.pairwise.f1)
  } | ${f3(s.bcubed.precision)} | ${f3(s.bcubed.recall)} | ${f3(s.bcubed.f1)} | ${groups} | ${
    ms.toFixed(0)
  } |`;
console.log(
  "| embedder | algorithm | threshold | pair P | pair R | pair F1 | BCubed P | BCubed R | BCubed F1 | groups | ms |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
const STAMPS: Record<string, string> = {
  fused: "fused-v1",
  dlib: "dlib-resnet-v1",
  mobilefacenet: "mobilefacenet-v1",
};
for (const [name, vectors, grid] of embedders) {
  const cut = DEFAULT_CUTS[STAMPS[name]];
  const thresholds = [...new Set([...grid, ...(cut === undefined ? [] : [cut])])].sort((a, b) =>
    a - b
  );
  const full = await neighborGraph(vectors, thresholds[thresholds.length - 1] + 1e-6);
  for (const [algorithm, run] of algorithms) {
    let best: string | undefined, bestF1 = -1;
    for (const t of thresholds) {
      const graph = restrictGraph(full, t);
      const t0 = performance.now();
      const labels = run(vectors, t, graph);
      const ms = performance.now() - t0;
      const s = scoreClusters(labels, truth);
      const line = row(name, algorithm, t, s, new Set(labels).size, ms);
      if (values.sweep) console.log(line);
      else if (t === cut && algorithm === "average linkage") {
        console.log(line.replace("average linkage", "**average linkage, default**"));
      }
      if (s.pairwise.precision >= 0.99 && s.bcubed.f1 > bestF1) {
        [best, bestF1] = [line, s.bcubed.f1];
      }
      if (s.pairwise.precision < 0.5) break; // larger thresholds only merge more
    }
    if (!values.sweep && best) console.log(best);
  }
}

/** Rows of `v` (and their people) whose person is in `half` (people alternate, sorted by name). */
function halfOf(vectors: VectorSet, half: number): { v: VectorSet; truth: string[] } {
  const names = [...new Set(truth)].sort();
  const side = new Map(names.map((p, i) => [p, i % 2]));
  const rows = truth.flatMap((p, i) => side.get(p) === half ? [i] : []);
  const data = new Float32Array(rows.length * vectors.dim);
  rows.forEach((r, k) =>
    data.set(vectors.data.subarray(r * vectors.dim, (r + 1) * vectors.dim), k * vectors.dim)
  );
  return {
    v: { data, count: rows.length, dim: vectors.dim, parts: vectors.parts },
    truth: rows.map((r) => truth[r]),
  };
}

// Held out: the average-linkage cut chosen (same rule) on one half of the people, scored on the
// other half, both ways.
console.log("\nAverage linkage, cut chosen on one half of the people, scored on the other:\n");
console.log(
  "| embedder | chosen on | cut | scored on | pair P | BCubed P | BCubed R | BCubed F1 |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const [name, vectors, grid] of embedders) {
  for (const half of [0, 1]) {
    const [a, b] = [halfOf(vectors, half), halfOf(vectors, 1 - half)];
    const [ga, gb] = [
      await neighborGraph(a.v, grid.at(-1)!),
      await neighborGraph(b.v, grid.at(-1)!),
    ];
    let cut = grid[0], bestF1 = -1;
    for (const t of grid) {
      const s = scoreClusters(averageLinkage(a.v, restrictGraph(ga, t), t), a.truth);
      if (s.pairwise.precision >= 0.99 && s.bcubed.f1 > bestF1) [cut, bestF1] = [t, s.bcubed.f1];
      if (s.pairwise.precision < 0.5) break;
    }
    const s = scoreClusters(averageLinkage(b.v, restrictGraph(gb, cut), cut), b.truth);
    console.log(
      `| ${name} | ${a.v.count} faces | ${cut} | ${b.v.count} faces | ${
        f3(s.pairwise.precision)
      } | ${f3(s.bcubed.precision)} | ${f3(s.bcubed.recall)} | ${f3(s.bcubed.f1)} |`,
    );
  }
}
