/**
 * `deno task calibrate`: the per-embedder thresholds faceprint uses by default, measured on LFW
 * (folds 1–5 of ../shared/data/lfw-dev) and written to src/identify/calibration.json.
 *
 * Input: `faceprint embed --embedder fused --pick center` output over the LFW images, with and
 * without `--flip`. The fused vector holds both models' unit vectors (each / √2), so the dlib and
 * MobileFaceNet rows come from the same run, exactly as if each model had run alone. For each
 * embedder and flip setting it records:
 * Distances are faceprint's own (src/identify/metric.ts: the fused embedder's is the mean of the
 * two models' distances).
 * - the verification threshold: the one with the best accuracy over all pairs of pairs.txt, and
 *   the k-fold accuracy (each fold's threshold chosen on the others) for the record;
 * - impostor distance quantiles: over every pair of images of different people (≈7 million),
 *   the distance below which a fraction `far` of them fall — the open-set rule picks its cut from
 *   these for a target false-accept rate per probe.
 *
 * Usage: deno task calibrate --plain PLAIN.jsonl --flip FLIP.jsonl --pairs pairs.txt
 */
import { parseArgs } from "node:util";
import { parsePairs } from "../src/evaluate/pairs.ts";
import { type FaceDistance, faceDistance } from "../src/identify/metric.ts";
import {
  bestThreshold,
  kFoldAccuracy,
  type ScoredPair,
} from "../src/evaluate/verification_metrics.ts";

/** False-accept rates (per comparison) at which impostor distances are recorded. */
const FARS = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7];

/** How each built-in embedder's vector is taken out of the fused one. */
const PARTS: Record<string, (v: Float32Array) => Float32Array> = {
  "dlib-resnet-v1": (v) => unit(v.slice(0, 128)),
  "mobilefacenet-v1": (v) => unit(v.slice(128)),
  "fused-v1": (v) => v,
};

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const k = 1 / Math.sqrt(s);
  return v.map((x) => x * k);
}

/** Image path (relative to the images folder, "name/name_0001.jpg") → fused embedding. */
async function readEmbeddings(file: string): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const line of (await Deno.readTextFile(file)).split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const face = r.faces?.[0];
    if (!face?.embedding) continue;
    if (face.embedding.length !== 320) {
      throw new Error(
        `${file}: embeddings have ${face.embedding.length} values, expected fused 320`,
      );
    }
    const parts = String(r.file).split("/");
    out.set(parts.slice(-2).join("/"), Float32Array.from(face.embedding));
  }
  return out;
}

/** Distances of every pair of images of different people, sorted. */
function impostorDistances(
  vectors: Map<string, Float32Array>,
  distance: FaceDistance,
): Float32Array {
  const entries = [...vectors];
  const people = entries.map(([path]) => path.split("/")[0]);
  const count = entries.length * (entries.length - 1) / 2;
  const out = new Float32Array(count);
  let n = 0;
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      if (people[i] !== people[j]) out[n++] = distance(entries[i][1], entries[j][1]);
    }
  }
  return out.subarray(0, n).sort();
}

const round = (v: number, digits = 4) => Number(v.toFixed(digits));

function calibrate(
  vectors: Map<string, Float32Array>,
  pairsText: string,
  distance: FaceDistance,
) {
  const pairs = parsePairs(pairsText, "pairs.txt");
  const scored: ScoredPair[] = pairs.map((p) => {
    const a = vectors.get(p.a), b = vectors.get(p.b);
    return { same: p.same, fold: p.fold, distance: a && b ? distance(a, b) : Infinity };
  });
  const best = bestThreshold(scored);
  const kfold = kFoldAccuracy(scored);
  const impostors = impostorDistances(vectors, distance);
  return {
    verifyThreshold: round(best.threshold),
    pairs: scored.length,
    kFoldAccuracy: round(kfold.mean),
    accuracyAtThreshold: round(best.accuracy),
    impostorPairs: impostors.length,
    impostorQuantiles: FARS.map((far) => [
      far,
      round(impostors[Math.max(0, Math.floor(far * impostors.length) - 1)]),
    ]),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      plain: { type: "string" },
      flip: { type: "string" },
      pairs: { type: "string" },
      out: { type: "string", default: "src/identify/calibration.json" },
    },
  });
  if (!values.plain || !values.flip || !values.pairs) {
    console.error("usage: deno task calibrate --plain PLAIN.jsonl --flip FLIP.jsonl --pairs P");
    Deno.exit(2);
  }
  const pairsText = await Deno.readTextFile(values.pairs);
  const embedders: Record<string, ReturnType<typeof calibrate> & { images: number }> = {};
  for (const [flip, file] of [[false, values.plain], [true, values.flip]] as const) {
    const fused = await readEmbeddings(file);
    for (const [name, part] of Object.entries(PARTS)) {
      const vectors = new Map([...fused].map(([k, v]) => [k, part(v)]));
      const key = flip ? `${name}+flip` : name;
      embedders[key] = {
        images: vectors.size,
        ...calibrate(vectors, pairsText, faceDistance(name)),
      };
      console.error(`calibrate: ${key}: ${JSON.stringify(embedders[key])}`);
    }
  }
  const about = "Per-embedder defaults measured by `deno task calibrate` on LFW folds 1-5 " +
    "(../shared/data/lfw-dev: pairs.txt and every image, MTCNN, --pick center). " +
    "verifyThreshold: best accuracy over the 3,000 pairs. impostorQuantiles: [far, d] = the " +
    "fraction far of all different-person image pairs lie closer than d.";
  const text = JSON.stringify(
    { about, embedders },
    null,
    2,
  ).replace(/\[\s+([-\d.e]+),\s+([-\d.e]+)\s+\]/g, "[$1, $2]");
  await Deno.writeTextFile(values.out, text + "\n");
  console.error(`calibrate: wrote ${values.out}`);
}
