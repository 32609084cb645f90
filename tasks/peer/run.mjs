/**
 * Peer runner for `deno task bench`: @vladmandic/face-api 1.7.15 on Node with the tfjs WASM backend,
 * run the way its Node WASM users run it (demo/node-wasm.js), but offline: WASM binaries and models
 * come from node_modules, images are decoded with @canvas/image (the demo's pure WASM decoder).
 *
 * Usage:
 *   node tasks/peer/run.mjs --detector tiny|ssd|none --images list.txt
 *        [--warmup 1] [--out result.json] [--descriptors]
 *        [--input-size 416] [--score-threshold 0.5] [--min-confidence 0.5] [--max-results 100]
 *
 * `--detector none` skips detection and landmarks: the whole image is taken as an aligned face
 * chip and only the descriptor is computed (what face-api.js's own bbt recognition example does).
 * Prints one JSON object on stdout (or writes it to --out). Exit code 0 unless setup fails;
 * per-image failures are reported in the JSON (`error` on the image entry).
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);

/** Parses argv into an options object; throws on unknown flags or bad values. */
function parseArgs(argv) {
  const opts = {
    detector: null,
    images: null,
    warmup: 1,
    out: null,
    descriptors: false,
  };
  const numeric = {
    "--input-size": "inputSize",
    "--score-threshold": "scoreThreshold",
    "--min-confidence": "minConfidence",
    "--max-results": "maxResults",
    "--warmup": "warmup",
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--descriptors") opts.descriptors = true;
    else if (flag === "--detector") opts.detector = argv[++i];
    else if (flag === "--images") opts.images = argv[++i];
    else if (flag === "--out") opts.out = argv[++i];
    else if (flag in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value)) throw new Error(`${flag} needs a number`);
      opts[numeric[flag]] = value;
    } else throw new Error(`unknown argument: ${flag}`);
  }
  if (!["tiny", "ssd", "none"].includes(opts.detector)) {
    throw new Error("--detector must be tiny, ssd or none");
  }
  if (!opts.images) throw new Error("--images list.txt is required");
  if (!Number.isInteger(opts.warmup) || opts.warmup < 0) {
    throw new Error("--warmup must be an integer >= 0");
  }
  return opts;
}

/** Median of a numeric array (NaN when empty). */
function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds milliseconds to 0.01 ms for the report. */
const ms = (value) => Math.round(value * 100) / 100;

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`run.mjs: ${err.message}\n`);
  process.exit(2);
}
const imagePaths = fs.readFileSync(opts.images, "utf8").split(/\r?\n/).map((
  s,
) => s.trim()).filter(Boolean);

// --- setup: modules, backend, models (each timed) ---
const tImport0 = performance.now();
const image = require("@canvas/image");
const wasm = require("@tensorflow/tfjs-backend-wasm");
const faceapi = require("@vladmandic/face-api/dist/face-api.node-wasm.js");
const { tf } = faceapi;
const importMs = performance.now() - tImport0;

const tBackend0 = performance.now();
const wasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) +
  path.sep;
wasm.setWasmPaths(wasmDir); // local files instead of the demo's CDN; no platform fetch
wasm.setThreadsCount(1); // explicit; in Node tfjs-backend-wasm never enables threads anyway
await tf.setBackend("wasm");
await tf.ready();
const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
const multithread = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
const backendInitMs = performance.now() - tBackend0;

const modelDir = path.join(
  path.dirname(require.resolve("@vladmandic/face-api/package.json")),
  "model",
);
const tModels0 = performance.now();
if (opts.detector === "tiny") {
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
}
if (opts.detector === "ssd") {
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
}
if (opts.detector !== "none") {
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
}
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
const modelLoadMs = performance.now() - tModels0;

// Library defaults (face-api TUTORIAL.md): tiny inputSize 416 / scoreThreshold 0.5,
// ssd minConfidence 0.5 / maxResults 100. Flags override; the report states what was used.
const detectorOptions = opts.detector === "tiny"
  ? new faceapi.TinyFaceDetectorOptions({
    inputSize: opts.inputSize,
    scoreThreshold: opts.scoreThreshold,
  })
  : opts.detector === "ssd"
  ? new faceapi.SsdMobilenetv1Options({
    minConfidence: opts.minConfidence,
    maxResults: opts.maxResults,
  })
  : null;
const optionsReport = opts.detector === "tiny"
  ? {
    inputSize: detectorOptions.inputSize,
    scoreThreshold: detectorOptions.scoreThreshold,
  }
  : opts.detector === "ssd"
  ? {
    minConfidence: detectorOptions.minConfidence,
    maxResults: detectorOptions.maxResults,
  }
  : {};

/**
 * Decodes an image file to an int32 [h, w, 3] tensor like demo/node-wasm.js (@canvas/image ->
 * RGBA ImageData -> drop alpha), with a direct loop instead of the demo's Array.from/split/stack.
 */
async function decodeToTensor(file) {
  const buffer = fs.readFileSync(file);
  const canvas = await image.imageFromBuffer(buffer);
  const { data, width, height } = image.getImageData(canvas);
  const rgb = new Int32Array(width * height * 3);
  for (let src = 0, dst = 0; src < data.length; src += 4, dst += 3) {
    rgb[dst] = data[src];
    rgb[dst + 1] = data[src + 1];
    rgb[dst + 2] = data[src + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], "int32");
}

/**
 * Runs face-api's full pipeline, detectAllFaces(...).withFaceLandmarks().withFaceDescriptors(),
 * split at its task boundaries (the same exported task classes the chain builds) so each stage
 * is timed on its own. Returns timings, boxes and descriptors.
 */
async function processImage(file) {
  const t0 = performance.now();
  const tensor = await decodeToTensor(file);
  const t1 = performance.now();
  const [height, width] = tensor.shape;
  let detectMs = 0;
  let landmarksMs = 0;
  let results;
  try {
    if (opts.detector === "none") {
      const descriptor = await faceapi.nets.faceRecognitionNet
        .computeFaceDescriptor(tensor);
      results = [{ detection: null, descriptor }];
    } else {
      // .run() rather than awaiting the thenable tasks: ComposableTask.then drops rejections.
      const detections = await faceapi.detectAllFaces(tensor, detectorOptions)
        .run();
      const withDetections = detections.map((d) => faceapi.extendWithFaceDetection({}, d));
      const t2 = performance.now();
      const withLandmarks = await new faceapi.DetectAllFaceLandmarksTask(
        Promise.resolve(withDetections),
        tensor,
        false,
      ).run();
      const t3 = performance.now();
      detectMs = t2 - t1;
      landmarksMs = t3 - t2;
      results = await new faceapi.ComputeAllFaceDescriptorsTask(
        Promise.resolve(withLandmarks),
        tensor,
      )
        .run();
    }
  } finally {
    tf.dispose(tensor);
  }
  const t4 = performance.now();
  const descriptorMs = t4 - t1 - detectMs - landmarksMs;
  return {
    path: file,
    width,
    height,
    decodeMs: ms(t1 - t0),
    detectMs: ms(detectMs),
    landmarksMs: ms(landmarksMs),
    detectLandmarksMs: ms(detectMs + landmarksMs),
    descriptorMs: ms(descriptorMs),
    totalMs: ms(t4 - t0),
    faces: results.length,
    boxes: results.filter((r) => r.detection).map((r) => ({
      x: Math.round(r.detection.box.x * 10) / 10,
      y: Math.round(r.detection.box.y * 10) / 10,
      width: Math.round(r.detection.box.width * 10) / 10,
      height: Math.round(r.detection.box.height * 10) / 10,
      score: Math.round(r.detection.score * 10000) / 10000,
    })),
    descriptors: results.map((r) => Array.from(r.descriptor, (v) => Math.round(v * 1e6) / 1e6)),
  };
}

/** Runs one image, turning a failure into an entry with `error` so the run continues. */
async function runOne(file) {
  try {
    return await processImage(file);
  } catch (err) {
    return { path: file, error: String(err?.message ?? err) };
  }
}

// --- warmup on the first image (not counted), then the timed loop ---
let coldStartMs = null;
let firstImageMs = null;
const tensorsBefore = tf.memory().numTensors;
for (let i = 0; i < opts.warmup && imagePaths.length > 0; i++) {
  const r = await runOne(imagePaths[0]);
  if (coldStartMs === null) {
    coldStartMs = performance.now();
    firstImageMs = r.totalMs ?? null;
  }
}
const entries = [];
const tLoop0 = performance.now();
for (const file of imagePaths) {
  const r = await runOne(file);
  if (coldStartMs === null) {
    coldStartMs = performance.now();
    firstImageMs = r.totalMs ?? null;
  }
  if (!opts.descriptors) delete r.descriptors;
  entries.push(r);
}
const loopMs = performance.now() - tLoop0;
const tensorsLeaked = tf.memory().numTensors - tensorsBefore;

const ok = entries.filter((e) => !e.error);
const totalFaces = ok.reduce((n, e) => n + e.faces, 0);
const medianOf = (key) => ms(median(ok.map((e) => e[key])));
const report = {
  peer: {
    package: "@vladmandic/face-api",
    version: faceapi.version,
    entry: "dist/face-api.node-wasm.js",
    tfjs: tf.version_core,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  },
  backend: {
    name: tf.getBackend(),
    simd,
    threadsRequested: 1,
    threads: wasm.getThreadsCount(),
    wasmFile: wasmDir +
      (simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm"),
    faceApiDefault:
      "face-api sets no thread count; tfjs-backend-wasm reports WASM_HAS_MULTITHREAD_SUPPORT=false " +
      "under Node, so the default is the same: SIMD binary, 1 thread",
    multithreadSupported: multithread,
  },
  decoder:
    "@canvas/image 2.0.0 (@cwasm/jpeg-turbo, @cwasm/lodepng, ... WASM) -> RGBA -> int32 RGB tensor",
  detector: opts.detector,
  models: {
    detector: {
      tiny: "tinyFaceDetector",
      ssd: "ssdMobilenetv1",
      none: null,
    }[opts.detector],
    landmarks: opts.detector === "none" ? null : "faceLandmark68Net",
    descriptor: "faceRecognitionNet",
    dir: modelDir,
  },
  options: optionsReport,
  warmup: opts.warmup,
  timings: {
    importMs: ms(importMs),
    backendInitMs: ms(backendInitMs),
    modelLoadMs: ms(modelLoadMs),
    coldStartMs: coldStartMs === null ? null : ms(coldStartMs),
    firstImageMs,
    loopMs: ms(loopMs),
  },
  summary: {
    images: entries.length,
    failed: entries.length - ok.length,
    faces: totalFaces,
    imagesPerSec: ok.length ? Math.round((ok.length / (loopMs / 1000)) * 1000) / 1000 : 0,
    facesPerSec: ok.length ? Math.round((totalFaces / (loopMs / 1000)) * 1000) / 1000 : 0,
    medianImageMs: medianOf("totalMs"),
    medianDecodeMs: medianOf("decodeMs"),
    medianDetectMs: medianOf("detectMs"),
    medianLandmarksMs: medianOf("landmarksMs"),
    medianDetectLandmarksMs: medianOf("detectLandmarksMs"),
    medianDescriptorMs: medianOf("descriptorMs"),
  },
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024 * 10) / 10,
  tensorsLeaked,
  images: entries,
};

const json = JSON.stringify(report);
if (opts.out) fs.writeFileSync(opts.out, json + "\n");
else process.stdout.write(json + "\n");
