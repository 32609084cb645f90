/**
 * The benchmark's in-process profile of one pipeline (one worker's work), run as a subprocess by
 * tasks/bench.ts: set-up costs, per-stage times per image (decode, detect, align, embed, SVM),
 * the embedder's and MTCNN's GFLOP/s against a large `tf.conv2d` in the same process, whether
 * batching raises the embedder's faces/s, peak memory, and optionally RSS over a long run.
 *
 * Usage: deno run --allow-read --allow-write tasks/bench/profile.ts --images LIST --model M.json
 *          --out P.json [--soak N] [--embedder dlib|mobilefacenet|fused]
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { embedderFlops, ONET_FLOPS_PER_CROP, pnetFlops, RNET_FLOPS_PER_CROP } from "./flops.ts";
import { median, round } from "./stats.ts";

const moduleStartMs = performance.now();
const { initTf } = await import("../../src/runtime/tf.ts");
const { loadDetector, loadEmbedder } = await import("../../src/pipeline/models.ts");
const { analyzeImage, detectFaces, resolveMinFace } = await import("../../src/pipeline/analyze.ts");
const { alignFace } = await import("../../src/embed/align.ts");
const { fuseVectors } = await import("../../src/embed/fusion.ts");
const { DEFAULT_EMBEDDER, DEFAULT_FLIP } = await import("../../src/cli/face_options.ts");
const { decodeImage, DEFAULT_MAX_PIXELS } = await import("../../src/image/decode.ts");
const { parseModel, predictSvm } = await import("../../src/classify/mod.ts");
const mtcnn = await import("../../src/detect/mtcnn/stages.ts");
const { loadMtcnnWeights } = await import("../../src/detect/mtcnn/weights.ts");
const { DEFAULT_MTCNN_OPTIONS } = await import("../../src/detect/mtcnn/mtcnn.ts");
const importMs = performance.now() - moduleStartMs;

type RgbImage = import("../../src/types.ts").RgbImage;

/** Times `fn` (ms). */
async function timed<T>(fn: () => T | Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

/** Resident set size now, MiB (the peak is measured from outside, by tasks/bench/process.ts). */
function rssMiB(): number {
  return round(Deno.memoryUsage().rss / 2 ** 20, 1);
}

/** GFLOP/s of the best of `reps` runs of `fn` costing `flops`. */
async function gflops(flops: number, reps: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < reps; i++) best = Math.min(best, (await timed(fn))[1]);
  return round(flops / best / 1e6, 2);
}

/** The tfjs-wasm peak: the best GFLOP/s of two large 3×3 convolutions. */
async function peakConvGflops(): Promise<number> {
  const shapes: [number, number, number][] = [[128, 128, 128], [64, 256, 256]];
  let best = 0;
  for (const [side, cin, cout] of shapes) {
    const x = tf.randomNormal([1, side, side, cin]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, cin, cout]) as tf.Tensor4D;
    const flops = 2 * side * side * 9 * cin * cout;
    best = Math.max(
      best,
      await gflops(flops, 5, async () => {
        const y = tf.conv2d(x, w, 1, "same");
        await y.data();
        y.dispose();
      }),
    );
    tf.dispose([x, w]);
  }
  return best;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    images: { type: "string" },
    model: { type: "string" },
    out: { type: "string" },
    soak: { type: "string" },
    embedder: { type: "string" },
  },
});
if (!values.images || !values.model || !values.out) {
  console.error("usage: profile.ts --images LIST --model M.json --out P.json [--soak N]");
  Deno.exit(2);
}
const paths = Deno.readTextFileSync(values.images).split("\n").filter((l) => l.trim());
const { model } = parseModel(Deno.readTextFileSync(values.model), values.model);

const [, tfInitMs] = await timed(initTf);
const [detector, detectorMs] = await timed(() => loadDetector("mtcnn"));
const embedderName = (values.embedder ?? DEFAULT_EMBEDDER) as typeof DEFAULT_EMBEDDER;
const [embedder, embedderMs] = await timed(() =>
  loadEmbedder({ kind: "builtin", name: embedderName })
);
const options = {
  minFace: "auto" as const,
  maxPixels: DEFAULT_MAX_PIXELS,
  pick: "all" as const,
  flip: DEFAULT_FLIP,
  keepChips: false,
};
const [, firstImageMs] = await timed(() =>
  analyzeImage(Deno.readFileSync(paths[0]), { detector, embedder }, options)
);

interface ImageProfile {
  path: string;
  width: number;
  height: number;
  faces: number;
  decodeMs: number;
  detectMs: number;
  alignMs: number;
  embedMs: number;
  svmMs: number;
}
const images: (ImageProfile | { path: string; error: string })[] = [];
/** Up to 16 aligned chips per embedder part, for the efficiency figures. */
const chips: RgbImage[][] = embedder.parts.map(() => []);
const large: RgbImage[] = [];
for (const path of paths) {
  try {
    const bytes = Deno.readFileSync(path);
    const [image, decodeMs] = await timed(() =>
      decodeImage(bytes, { maxPixels: DEFAULT_MAX_PIXELS })
    );
    const [faces, detectMs] = await timed(() =>
      detectFaces(image, detector, resolveMinFace("auto", image))
    );
    const [aligned, alignMs] = await timed(() =>
      embedder.parts.map((p) =>
        faces.map((f) => alignFace(image, f.landmarks, p.inputSize, p.template))
      )
    );
    const [embeddings, embedMs] = await timed(async () => {
      const perPart: Float32Array[][] = [];
      for (const [k, p] of embedder.parts.entries()) {
        perPart.push(faces.length ? await p.embed(aligned[k], { flip: DEFAULT_FLIP }) : []);
      }
      return faces.map((_, i) => fuseVectors(perPart.map((v) => v[i])));
    });
    const [, svmMs] = await timed(() => embeddings.map((e) => predictSvm(model, e)));
    chips.forEach((list, k) => list.push(...aligned[k].slice(0, 16 - list.length)));
    if (Math.max(image.width, image.height) >= 1800 && large.length < 6) large.push(image);
    images.push({
      path,
      width: image.width,
      height: image.height,
      faces: faces.length,
      decodeMs: round(decodeMs),
      detectMs: round(detectMs),
      alignMs: round(alignMs),
      embedMs: round(embedMs),
      svmMs: round(svmMs, 3),
    });
  } catch (e) {
    images.push({ path, error: (e as Error).message });
  }
}
const ok = images.filter((i): i is ImageProfile => "faces" in i);
const faces = ok.reduce((n, i) => n + i.faces, 0);
const sum = (key: keyof ImageProfile) => ok.reduce((n, i) => n + (i[key] as number), 0);
const withFaces = ok.filter((i) => i.faces > 0);
const perFace = (key: keyof ImageProfile) =>
  round(median(withFaces.map((i) => (i[key] as number) / i.faces)), 3);
const rssAfterLoopMiB = rssMiB();

// Efficiency: GFLOP/s against the best large conv2d, measured here.
const peak = await peakConvGflops();
/** Each embedder part's GFLOP/s at batch 1 and 16, and its ms per face. */
const parts: Record<string, { batch1: number; batch16: number; msPerFace: number; share: number }> =
  {};
for (const [k, part] of embedder.parts.entries()) {
  const flops = embedderFlops(part.name);
  const views = Array.from({ length: 16 }, (_, i) => chips[k][i % Math.max(1, chips[k].length)]);
  const batch1 = await gflops(flops, 16, () => part.embed([views[0]], { flip: false }));
  const batch16 = await gflops(flops * 16, 3, () => part.embed(views, { flip: false }));
  parts[part.name] = {
    batch1,
    batch16,
    msPerFace: round(flops / Math.max(batch1, batch16) / 1e6, 2),
    share: round(Math.max(batch1, batch16) / peak, 3),
  };
}

const weights = loadMtcnnWeights();
const { scaleFactor, thresholds, maxCandidates, batchSize } = DEFAULT_MTCNN_OPTIONS;
const stageFlops = { pnet: 0, rnet: 0, onet: 0 };
const stageMs = { pnet: 0, rnet: 0, onet: 0 };
for (const image of large) {
  const minFace = resolveMinFace("auto", image);
  const scales = mtcnn.pyramidScales(image.width, image.height, minFace, scaleFactor);
  for (const s of scales) {
    stageFlops.pnet += pnetFlops(Math.floor(image.height * s), Math.floor(image.width * s));
  }
  // Each stage's best of three runs, as for the conv2d peak.
  const best = { pnet: Infinity, rnet: Infinity, onet: Infinity };
  let candidates = 0, refinedCount = 0;
  for (let rep = 0; rep < 3; rep++) {
    const [proposals, pMs] = await timed(() =>
      mtcnn.proposeFaces(image, scales, thresholds[0], weights.pnet)
    );
    const kept = proposals.slice(0, maxCandidates);
    const [refined, rMs] = await timed(() =>
      mtcnn.refineFaces(image, kept, thresholds[1], weights.rnet, batchSize)
    );
    const [, oMs] = await timed(() =>
      mtcnn.outputFaces(image, refined, thresholds[2], weights.onet, batchSize)
    );
    best.pnet = Math.min(best.pnet, pMs);
    best.rnet = Math.min(best.rnet, rMs);
    best.onet = Math.min(best.onet, oMs);
    candidates = kept.length;
    refinedCount = refined.length;
  }
  stageFlops.rnet += candidates * RNET_FLOPS_PER_CROP;
  stageFlops.onet += refinedCount * ONET_FLOPS_PER_CROP;
  stageMs.pnet += best.pnet;
  stageMs.rnet += best.rnet;
  stageMs.onet += best.onet;
}
const rate = (flops: number, ms: number) => (ms > 0 ? round(flops / ms / 1e6, 2) : null);
const mtcnnFlops = stageFlops.pnet + stageFlops.rnet + stageFlops.onet;
const mtcnnMs = stageMs.pnet + stageMs.rnet + stageMs.onet;

// Optional long run: RSS every 50 images over `soak` images of the large photos.
let soak: { images: number; rssMiB: number[] } | null = null;
if (values.soak) {
  const count = Number(values.soak);
  const bytes = ok.filter((i) => Math.max(i.width, i.height) >= 1800).map((i) =>
    Deno.readFileSync(i.path)
  );
  const series: number[] = [];
  for (let n = 0; n < count && bytes.length; n++) {
    await analyzeImage(bytes[n % bytes.length], { detector, embedder }, options);
    if (n % 50 === 0 || n === count - 1) series.push(rssMiB());
  }
  soak = { images: count, rssMiB: series };
}

const report = {
  setup: {
    processToModulesMs: round(moduleStartMs),
    importMs: round(importMs),
    tfInitMs: round(tfInitMs),
    detectorMs: round(detectorMs),
    embedderMs: round(embedderMs),
    firstImageMs: round(firstImageMs),
  },
  summary: {
    images: ok.length,
    failed: images.length - ok.length,
    faces,
    totalMs: round(
      sum("decodeMs") + sum("detectMs") + sum("alignMs") + sum("embedMs") + sum("svmMs"),
    ),
    medianMs: {
      decode: round(median(ok.map((i) => i.decodeMs))),
      detect: round(median(ok.map((i) => i.detectMs))),
      align: round(median(ok.map((i) => i.alignMs))),
      embed: round(median(ok.map((i) => i.embedMs))),
    },
    perFaceMs: { align: perFace("alignMs"), embed: perFace("embedMs"), svm: perFace("svmMs") },
    stageTotalsMs: {
      decode: round(sum("decodeMs")),
      detect: round(sum("detectMs")),
      align: round(sum("alignMs")),
      embed: round(sum("embedMs")),
      svm: round(sum("svmMs"), 3),
    },
  },
  efficiency: {
    peakConvGflops: peak,
    embedder: embedder.name,
    embedderParts: parts,
    mtcnn: {
      photos: large.length,
      gflops: {
        pnet: rate(stageFlops.pnet, stageMs.pnet),
        rnet: rate(stageFlops.rnet, stageMs.rnet),
        onet: rate(stageFlops.onet, stageMs.onet),
        all: rate(mtcnnFlops, mtcnnMs),
      },
      msPerPhoto: {
        pnet: round(stageMs.pnet / Math.max(1, large.length)),
        rnet: round(stageMs.rnet / Math.max(1, large.length)),
        onet: round(stageMs.onet / Math.max(1, large.length)),
      },
      shareOfPeak: mtcnnMs > 0 ? round(mtcnnFlops / mtcnnMs / 1e6 / peak, 3) : null,
    },
  },
  memory: {
    rssAfterLoopMiB,
    wasmHeapMiB: round(
      ((tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length ?? 0) /
        2 ** 20,
      1,
    ),
    tensors: tf.memory().numTensors,
  },
  soak,
  images,
};
Deno.writeTextFileSync(values.out, JSON.stringify(report));
