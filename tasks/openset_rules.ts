/**
 * `deno task openset-rules`: the decision rules tried on the lfw-dev open-set protocol (see
 * tasks/openset.ts) besides faceprint's own, scored from embeddings without running a model. For
 * each rule: how many probes are named right at the best cut that leaves ≥ 99% of strangers
 * unknown (chosen after the fact, so an upper bound for that rule), against 99% of the probes.
 *
 * - `--embeddings FILE`: `faceprint embed --pick center` output over lfw-dev/images with the fused
 *   embedder (with or without `--flip`); its two parts are scored separately and together.
 * - `--extra FILE`: optional embeddings of a third model in the same JSONL shape (any length;
 *   e.g. made outside faceprint), fused in as a third part.
 */
import { parseArgs } from "node:util";
import { STAMPED_PART_SIZES } from "../src/embed/catalog.ts";
import { euclidean } from "../src/identify/metric.ts";
import { buildProtocol, readEmbeddings } from "./openset.ts";

/** Per-part distances: probes × enrolled faces. */
type Distances = number[][];
/** One probe's answer under a rule: the person and a score (lower is closer). */
interface Answer {
  person: string;
  score: number;
}

function unit(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** The best count of probes named right while ≥ 99% of strangers score above the cut. */
function namedAtStrangers99(answers: Answer[], truths: (string | null)[]): number {
  const strangers = answers.filter((_, i) => truths[i] === null).map((a) => a.score)
    .sort((x, y) => x - y);
  // The cut may accept at most 1% of strangers: below the (floor(1%)+1)-th closest stranger.
  const cut = strangers[Math.floor(strangers.length * 0.01)];
  return answers.filter((a, i) => truths[i] !== null && a.person === truths[i] && a.score < cut)
    .length;
}

/** Rules that score each person by the distances to their enrolled faces. */
function byPerson(
  d: Distances,
  owners: string[],
  score: (sorted: number[]) => number,
): Answer[] {
  return d.map((row) => {
    const perPerson = new Map<string, number[]>();
    row.forEach((x, j) => perPerson.set(owners[j], [...(perPerson.get(owners[j]) ?? []), x]));
    let best: Answer = { person: "", score: Infinity };
    for (const [person, xs] of perPerson) {
      const s = score(xs.sort((a, b) => a - b));
      if (s < best.score) best = { person, score: s };
    }
    return best;
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function weighted(parts: Distances[], weights: number[]): Distances {
  return parts[0].map((row, i) =>
    row.map((_, j) => parts.reduce((sum, part, k) => sum + weights[k] * part[i][j], 0))
  );
}

/** Adaptive s-norm: z-scores against the K nearest faces of other people, probe and face side. */
function sNorm(d: Distances, gallery: Distances, owners: string[], k: number): Distances {
  const stats = (xs: number[]) => {
    const m = mean(xs);
    return { m, s: Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) || 1 };
  };
  const faceStats = gallery.map((row, j) =>
    stats(row.filter((_, l) => owners[l] !== owners[j]).sort((a, b) => a - b).slice(0, k))
  );
  return d.map((row) => {
    const probeStats = new Map<string, { m: number; s: number }>();
    const sorted = [...row.keys()].sort((a, b) => row[a] - row[b]);
    return row.map((x, j) => {
      if (!probeStats.has(owners[j])) {
        const others = sorted.filter((l) => owners[l] !== owners[j]).slice(0, k);
        probeStats.set(owners[j], stats(others.map((l) => row[l])));
      }
      const p = probeStats.get(owners[j])!, f = faceStats[j];
      return ((x - p.m) / p.s + (x - f.m) / f.s) / 2;
    });
  });
}

function knnVoteRight(d: Distances, owners: string[], truths: (string | null)[], k: number) {
  return d.filter((row, i) => {
    if (truths[i] === null) return false;
    const near = [...row.keys()].sort((a, b) => row[a] - row[b]).slice(0, k).map((j) => owners[j]);
    const votes = new Map<string, number>();
    for (const p of near) votes.set(p, (votes.get(p) ?? 0) + 1);
    const top = Math.max(...votes.values());
    return near.find((p) => votes.get(p) === top) === truths[i];
  }).length;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      images: { type: "string", default: "../shared/data/lfw-dev/images" },
      embeddings: { type: "string" },
      extra: { type: "string" },
    },
  });
  if (!values.embeddings) {
    console.error("usage: deno task openset-rules --embeddings FUSED.jsonl [--extra OTHER.jsonl]");
    Deno.exit(2);
  }
  const protocol = await buildProtocol(values.images);
  const { embedder, vectors } = await readEmbeddings(values.embeddings);
  const sizes = STAMPED_PART_SIZES[embedder || "fused-v1"];
  const extra = values.extra ? (await readEmbeddings(values.extra)).vectors : null;
  const partsOf = (file: string): Float32Array[] | null => {
    const v = vectors.get(file);
    if (!v || (extra && !extra.has(file))) return null;
    const parts = [unit(v.slice(0, sizes[0])), unit(v.slice(sizes[0]))];
    return extra ? [...parts, unit(extra.get(file)!)] : parts;
  };
  const gallery: Float32Array[][] = [], owners: string[] = [];
  for (const [person, files] of protocol.enrolled) {
    for (const f of files) {
      const p = partsOf(f);
      if (p) (gallery.push(p), owners.push(person));
    }
  }
  const probes: Float32Array[][] = [], truths: (string | null)[] = [];
  const addProbe = (f: string, truth: string | null) => {
    const p = partsOf(f);
    if (p) (probes.push(p), truths.push(truth));
  };
  for (const [person, files] of protocol.probes) for (const f of files) addProbe(f, person);
  for (const f of protocol.strangers) addProbe(f, null);
  const nParts = gallery[0].length;
  const parts: Distances[] = [...Array(nParts).keys()].map((k) =>
    probes.map((q) => gallery.map((g) => euclidean(q[k], g[k])))
  );
  const galleryParts: Distances[] = [...Array(nParts).keys()].map((k) =>
    gallery.map((a) => gallery.map((b) => euclidean(a[k], b[k])))
  );
  const enrolledProbes = truths.filter((t) => t !== null).length;
  const target = Math.ceil(enrolledProbes * 0.99);
  console.log(
    `${protocol.enrolled.size} people, ${gallery.length} enrolled faces, ${enrolledProbes} probes ` +
      `(99% = ${target}), ${truths.length - enrolledProbes} strangers; ` +
      (embedder || "fused-v1 (assumed: the records do not say)") +
      (extra ? ` + ${values.extra}` : ""),
  );
  const nearest = (xs: number[]) => xs[0];
  const fused = weighted(parts.slice(0, 2), [0.5, 0.5]);
  const fusedGallery = weighted(galleryParts.slice(0, 2), [0.5, 0.5]);
  const rows: [string, number | string][] = [
    ["nearest face, dlib alone", namedAtStrangers99(byPerson(parts[0], owners, nearest), truths)],
    [
      "nearest face, MobileFaceNet alone",
      namedAtStrangers99(byPerson(parts[1], owners, nearest), truths),
    ],
    [
      "nearest face, fused (faceprint's rule)",
      namedAtStrangers99(byPerson(fused, owners, nearest), truths),
    ],
  ];
  for (const k of [2, 3]) {
    rows.push([
      `mean of the ${k} nearest faces of each person`,
      namedAtStrangers99(byPerson(fused, owners, (xs) => mean(xs.slice(0, k))), truths),
    ]);
  }
  for (const w of [0.2, 0.3, 0.4, 0.6]) {
    const d = weighted(parts.slice(0, 2), [w, 1 - w]);
    rows.push([
      `dlib weighted ${w}: nearest face / mean of 3 nearest`,
      `${namedAtStrangers99(byPerson(d, owners, nearest), truths)} / ${
        namedAtStrangers99(byPerson(d, owners, (xs) => mean(xs.slice(0, 3))), truths)
      }`,
    ]);
  }
  const margin = fused.map((row) => {
    const best = byPerson([row], owners, nearest)[0];
    const other = Math.min(...[...row].filter((_, j) => owners[j] !== best.person));
    return { person: best.person, score: best.score - 0.5 * other };
  });
  rows.push([
    "distance − ½ distance to the nearest other person",
    namedAtStrangers99(margin, truths),
  ]);
  for (const k of [10, 25, 50, 100]) {
    rows.push([
      `adaptive s-norm, ${k} faces`,
      namedAtStrangers99(byPerson(sNorm(fused, fusedGallery, owners, k), owners, nearest), truths),
    ]);
  }
  rows.push([
    "k-NN vote over 1 / 3 / 5 / 7 faces: nearest person right",
    [1, 3, 5, 7].map((k) => knnVoteRight(fused, owners, truths, k)).join(" / "),
  ]);
  if (nParts === 3) {
    rows.push([
      "nearest face, three parts (mean distance)",
      namedAtStrangers99(byPerson(weighted(parts, [1 / 3, 1 / 3, 1 / 3]), owners, nearest), truths),
    ]);
  }
  console.log(`| rule | probes named at ≥ 99% strangers unknown (target ${target}) |`);
  console.log("| --- | --- |");
  for (const [rule, named] of rows) console.log(`| ${rule} | ${named} |`);
}
