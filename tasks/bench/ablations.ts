/**
 * What each optimisation that can still be switched off buys, measured in one process by running
 * the slow and the fast way alternately on the same 1920-px photos (run by tasks/bench.ts with
 * `-A`: imagescript's `Image.decode` loads its native addon). Each row gives the medians over
 * `--reps` alternating runs and their ratio:
 *
 * - decode: imagescript's `Image.decode` (RGBA) vs faceprint's direct WASM decode to RGB;
 * - embedder: one face per forward pass vs the production batches;
 * - R-Net / O-Net: one crop per forward pass vs batches of 64;
 * - P-Net threshold 0.6 (the original MTCNN's) vs 0.7: detect time and faces found.
 *
 * Usage: deno run -A tasks/bench/ablations.ts --images LIST --out A.json [--reps N]
 */
import { parseArgs } from "node:util";
import { Image } from "imagescript";
import { median, round } from "./stats.ts";

const { decodeImage } = await import("../../src/image/decode.ts");
const { createMtcnnDetector, DEFAULT_MTCNN_OPTIONS } = await import(
  "../../src/detect/mtcnn/mtcnn.ts"
);
const mtcnn = await import("../../src/detect/mtcnn/stages.ts");
const { loadMtcnnWeights } = await import("../../src/detect/mtcnn/weights.ts");
const { loadEmbedder } = await import("../../src/pipeline/models.ts");
const { detectFaces, resolveMinFace } = await import("../../src/pipeline/analyze.ts");
const { alignFace } = await import("../../src/embed/align.ts");

type RgbImage = import("../../src/types.ts").RgbImage;

/** One optimisation: medians of the slow (`before`) and fast (`after`) way, in `unit`. */
export interface Ablation {
  name: string;
  unit: string;
  before: number;
  after: number;
  /** before ÷ after for times, after ÷ before for rates: how many times better. */
  gain: number;
  detail?: string;
}

/** Median ms of `before` and `after`, run alternately `reps` times each. */
async function alternate(
  reps: number,
  before: () => unknown,
  after: () => unknown,
): Promise<[number, number]> {
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < reps; i++) {
    let t = performance.now();
    await before();
    a.push(performance.now() - t);
    t = performance.now();
    await after();
    b.push(performance.now() - t);
  }
  return [median(a), median(b)];
}

function timeRow(name: string, unit: string, [before, after]: [number, number]): Ablation {
  return { name, unit, before: round(before), after: round(after), gain: round(before / after) };
}

const { values } = parseArgs({
  args: Deno.args,
  options: { images: { type: "string" }, out: { type: "string" }, reps: { type: "string" } },
});
if (!values.images || !values.out) {
  console.error("usage: ablations.ts --images LIST --out A.json [--reps N]");
  Deno.exit(2);
}
const reps = Number(values.reps ?? 5);
const photos = Deno.readTextFileSync(values.images).split("\n").filter((l) => l.trim())
  .map((path) => ({ path, bytes: Deno.readFileSync(path) }));
const images = photos.map((p) => decodeImage(p.bytes));
const rows: Ablation[] = [];

rows.push(timeRow(
  "decode JPEG",
  "ms per photo",
  (await alternate(
    reps,
    async () => {
      for (const p of photos) await Image.decode(p.bytes);
    },
    () => photos.forEach((p) => decodeImage(p.bytes)),
  )).map((ms) => ms / photos.length) as [number, number],
));

const [embedder] = (await loadEmbedder({ kind: "builtin", name: "dlib" })).parts;
const detector = await createMtcnnDetector();
const chips: RgbImage[] = [];
for (const image of images) {
  const faces = await detectFaces(image, detector, resolveMinFace("auto", image));
  chips.push(...faces.map((f) => alignFace(image, f.landmarks, embedder.inputSize)));
}
const facesMs = await alternate(
  reps,
  async () => {
    for (const chip of chips) await embedder.embed([chip], { flip: false });
  },
  () => embedder.embed(chips, { flip: false }),
);
rows.push({
  name: "embedder batches",
  unit: "faces/s",
  before: round(chips.length / facesMs[0] * 1000, 1),
  after: round(chips.length / facesMs[1] * 1000, 1),
  gain: round(facesMs[0] / facesMs[1]),
  detail: `${chips.length} faces, one per pass vs the production batches`,
});

const weights = loadMtcnnWeights();
const { thresholds, scaleFactor, maxCandidates, batchSize } = DEFAULT_MTCNN_OPTIONS;
const stagesInput = await Promise.all(images.map(async (image) => {
  const scales = mtcnn.pyramidScales(
    image.width,
    image.height,
    resolveMinFace("auto", image),
    scaleFactor,
  );
  const proposals = await mtcnn.proposeFaces(image, scales, thresholds[0], weights.pnet);
  return { image, proposals: proposals.slice(0, maxCandidates) };
}));
const refineAndOutput = async (batch: number) => {
  for (const { image, proposals } of stagesInput) {
    const refined = await mtcnn.refineFaces(image, proposals, thresholds[1], weights.rnet, batch);
    await mtcnn.outputFaces(image, refined, thresholds[2], weights.onet, batch);
  }
};
rows.push({
  ...timeRow(
    "R-Net + O-Net batches",
    "ms per photo",
    (await alternate(reps, () => refineAndOutput(1), () => refineAndOutput(batchSize)))
      .map((ms) => ms / images.length) as [number, number],
  ),
  detail: `one crop per pass vs ${batchSize}`,
});

const original = await createMtcnnDetector({ thresholds: [0.6, 0.7, 0.7] });
let facesBefore = 0, facesAfter = 0;
const detectMs = await alternate(
  reps,
  async () => {
    facesBefore = 0;
    for (const image of images) {
      facesBefore += (await detectFaces(image, original, resolveMinFace("auto", image))).length;
    }
  },
  async () => {
    facesAfter = 0;
    for (const image of images) {
      facesAfter += (await detectFaces(image, detector, resolveMinFace("auto", image))).length;
    }
  },
);
rows.push({
  ...timeRow(
    "P-Net threshold 0.6 -> 0.7",
    "ms per photo",
    detectMs.map((ms) => ms / images.length) as [number, number],
  ),
  detail: `faces found ${facesBefore} -> ${facesAfter}`,
});

Deno.writeTextFileSync(values.out, JSON.stringify({ photos: photos.length, reps, rows }));
