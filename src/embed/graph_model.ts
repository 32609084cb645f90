/**
 * A user-supplied TensorFlow.js graph model (model.json + weight shards on disk) as an
 * {@link Embedder}: square chips in, L2-normalised vectors out. Needs only read permission.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import { basename, dirname, join } from "node:path";
import { initTf } from "../runtime/tf.ts";
import type { Embedder, EmbedOptions, RgbImage } from "../types.ts";

/**
 * How chip pixels (0..255) become model input:
 * - "dlib": `(x − mean) / 256` with dlib's RGB mean (122.782, 117.001, 104.298)
 * - "zero-one": `x / 255`
 * - "minus-one-one": `x / 127.5 − 1`
 * - "standardize": per chip `(x − mean) / max(std, 1/√n)` over all n values (FaceNet's prewhiten)
 * - "raw": `x` unchanged (e.g. @vladmandic/human's faceres)
 */
export type GraphNormalization = typeof GRAPH_NORMALIZATIONS[number];

/** Every {@link GraphNormalization}, e.g. for validating a command-line value. */
export const GRAPH_NORMALIZATIONS = [
  "dlib",
  "zero-one",
  "minus-one-one",
  "standardize",
  "raw",
] as const;

/** Options for {@link loadGraphEmbedder}. */
export interface GraphEmbedderOptions {
  /** Side of the square input chip; defaults to the model's input height and width. */
  inputSize?: number;
  normalization: GraphNormalization;
  /** Node whose value is the embedding; needed when the model has several outputs. */
  outputNode?: string;
}

/** dlib's per-channel input mean (RGB). */
const DLIB_MEAN_RGB = [122.782, 117.001, 104.298];
/** Most images (chips and mirrors) per forward pass. */
const BATCH = 8;

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Everything read from disk: the parsed model.json, its weights and their sha256. */
interface ModelFiles {
  json: ModelJson;
  weightData: ArrayBuffer;
  hash: string;
}

/**
 * Loads a tfjs graph model from `modelJsonPath` (shards are read relative to it) and returns an
 * embedder named "graph:<file name>" whose hash is the sha256 of model.json followed by its
 * shards. The embedding size is read from the output: one forward pass runs at load time.
 * Throws an error naming the file for a missing or unreadable file, invalid JSON, a missing or
 * short shard, an input that is not [batch, size, size, 3], or an output that is not
 * [batch, n] once its size-1 axes are squeezed.
 *
 * @example
 * const embedder = await loadGraphEmbedder("models/faceres.json", {
 *   normalization: "raw",
 *   outputNode: "global_pooling/Mean",
 * });
 * const vectors = await embedder.embed(chips, { flip: false }); // 1024-d each
 */
export async function loadGraphEmbedder(
  modelJsonPath: string,
  options: GraphEmbedderOptions,
): Promise<Embedder> {
  if (!GRAPH_NORMALIZATIONS.includes(options.normalization)) {
    throw new Error(
      `graph embedder: unknown normalization "${options.normalization}" (one of ${
        GRAPH_NORMALIZATIONS.join(", ")
      })`,
    );
  }
  const files = await readModelFiles(modelJsonPath);
  await initTf();
  let model: GraphModel;
  try {
    model = await loadGraphModel(tf.io.fromMemory({
      modelTopology: files.json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
      weightSpecs: files.json.weightsManifest.flatMap((group) => group.weights),
      weightData: files.weightData,
      signature: files.json.signature as tf.io.ModelArtifacts["signature"],
      userDefinedMetadata: files.json.userDefinedMetadata,
    }));
  } catch (e) {
    throw new Error(`${modelJsonPath}: cannot build the graph model: ${(e as Error).message}`);
  }
  const inputSize = resolveInputSize(model, modelJsonPath, options.inputSize);
  const outputNode = resolveOutputNode(model, modelJsonPath, options.outputNode);
  const run = (input: tf.Tensor4D) => runModel(model, input, outputNode, modelJsonPath);
  const probe = tf.zeros<tf.Rank.R4>([1, inputSize, inputSize, 3]);
  const size = await run(probe).then(([out]) => out.length).finally(() => probe.dispose());
  return {
    name: `graph:${basename(modelJsonPath)}`,
    hash: files.hash,
    size,
    inputSize,
    embed: (chips, embedOptions) =>
      embed(chips, embedOptions, inputSize, size, options.normalization, run),
  };
}

async function readFileNamed(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
    throw new Error(`${path}: cannot read ${what}: ${reason}`);
  }
}

async function readModelFiles(modelJsonPath: string): Promise<ModelFiles> {
  const jsonBytes = await readFileNamed(modelJsonPath, "the model");
  let json: ModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(jsonBytes));
  } catch (e) {
    throw new Error(`${modelJsonPath}: not valid JSON: ${(e as Error).message}`);
  }
  if (
    typeof json !== "object" || json === null || typeof json.modelTopology !== "object" ||
    !Array.isArray(json.weightsManifest)
  ) {
    throw new Error(
      `${modelJsonPath}: not a tfjs graph model (needs "modelTopology" and "weightsManifest")`,
    );
  }
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      shards.push(await readFileNamed(join(dirname(modelJsonPath), path), "a weight shard"));
    }
  }
  const weights = concatBytes(shards);
  const expected = json.weightsManifest.flatMap((g) => g.weights).reduce(
    (n, spec) => n + specByteLength(spec),
    0,
  );
  if (weights.length < expected) {
    throw new Error(
      `${modelJsonPath}: weight shards hold ${weights.length} bytes, the manifest needs ${expected}`,
    );
  }
  return {
    json,
    weightData: weights.buffer as ArrayBuffer,
    hash: await sha256Hex(concatBytes([jsonBytes, weights])),
  };
}

/** Bytes per value of each stored dtype (strings have variable length and are not counted). */
const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  float16: 2,
  uint16: 2,
  uint8: 1,
  bool: 1,
  string: 0,
};

/** Bytes one weight takes in its shard (quantised weights are stored in their quantised type). */
function specByteLength(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((n, d) => n * d, 1);
  return count * (DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype] ?? 4);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The chip side: the option if given, else the model's square input size. */
function resolveInputSize(model: GraphModel, path: string, requested?: number): number {
  if (model.inputs.length !== 1) {
    throw new Error(`${path}: the model has ${model.inputs.length} inputs, expected 1`);
  }
  const shape = model.inputs[0].shape;
  if (shape && shape.length !== 4) {
    throw new Error(`${path}: input has rank ${shape.length} ([${shape}]), expected 4 (NHWC)`);
  }
  if (shape && shape[3] !== 3 && shape[3] !== -1) {
    throw new Error(`${path}: input has ${shape[3]} channels, expected 3 (RGB)`);
  }
  const [, height, width] = shape ?? [];
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) {
      throw new Error(`${path}: inputSize must be a positive integer, got ${requested}`);
    }
    if ([height, width].some((d) => d !== undefined && d > 0 && d !== requested)) {
      throw new Error(`${path}: inputSize ${requested} does not fit input shape [${shape}]`);
    }
    return requested;
  }
  if (!height || !width || height < 1 || height !== width) {
    throw new Error(
      `${path}: cannot tell the input size from input shape [${
        shape ?? "unknown"
      }]; give inputSize`,
    );
  }
  return height;
}

/** The output node to read: the option if given, else the model's only output. */
function resolveOutputNode(model: GraphModel, path: string, requested?: string): string {
  if (requested !== undefined) return requested;
  if (model.outputNodes.length === 1) return model.outputNodes[0];
  throw new Error(
    `${path}: the model has ${model.outputNodes.length} outputs (${
      model.outputNodes.join(", ")
    }); choose one with outputNode`,
  );
}

/**
 * Runs the model and returns its output as one vector per input image, after squeezing every
 * size-1 axis but the batch axis.
 */
async function runModel(
  model: GraphModel,
  input: tf.Tensor4D,
  outputNode: string,
  path: string,
): Promise<Float32Array[]> {
  let output: tf.Tensor;
  try {
    output = model.execute(input, outputNode) as tf.Tensor;
  } catch (e) {
    throw new Error(`${path}: running output ${outputNode} failed: ${(e as Error).message}`);
  }
  try {
    const shape = output.shape.filter((d, axis) => axis === 0 || d !== 1);
    if (shape.length !== 2 || shape[0] !== input.shape[0]) {
      throw new Error(
        `${path}: output ${outputNode} has shape [${output.shape}], not [batch, n] after squeeze`,
      );
    }
    const values = await output.data<"float32">();
    const n = shape[1];
    return Array.from({ length: shape[0] }, (_, i) => values.slice(i * n, (i + 1) * n));
  } finally {
    output.dispose();
  }
}

async function embed(
  chips: RgbImage[],
  { flip }: EmbedOptions,
  inputSize: number,
  size: number,
  normalization: GraphNormalization,
  run: (input: tf.Tensor4D) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  for (const chip of chips) {
    if (chip.width !== inputSize || chip.height !== inputSize) {
      throw new Error(
        `graph embedder: chips must be ${inputSize}x${inputSize}, got ${chip.width}x${chip.height}`,
      );
    }
  }
  const views = flip ? chips.length * 2 : chips.length;
  const chipValues = inputSize * inputSize * 3;
  const vectors: Float32Array[] = [];
  for (let start = 0; start < views; start += BATCH) {
    const count = Math.min(BATCH, views - start);
    const data = new Float32Array(count * chipValues);
    for (let i = 0; i < count; i++) {
      const view = start + i;
      const chip = flip ? chips[view >> 1] : chips[view];
      const values = data.subarray(i * chipValues, (i + 1) * chipValues);
      writePixels(chip, flip && (view & 1) === 1, values);
      normalize(values, normalization);
    }
    const input = tf.tensor4d(data, [count, inputSize, inputSize, 3]);
    const outputs = await run(input).finally(() => input.dispose());
    for (const vector of outputs) vectors.push(l2Normalize(vector));
  }
  if (!flip) return vectors;
  return chips.map((_, i) => {
    const a = vectors[2 * i], b = vectors[2 * i + 1];
    for (let j = 0; j < size; j++) a[j] += b[j];
    return l2Normalize(a);
  });
}

/** Copies a chip's RGB values (mirrored left-right if asked) into `dst` as floats 0..255. */
function writePixels(chip: RgbImage, mirror: boolean, dst: Float32Array): void {
  const side = chip.width;
  let o = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const p = (y * side + (mirror ? side - 1 - x : x)) * 3;
      dst[o++] = chip.data[p];
      dst[o++] = chip.data[p + 1];
      dst[o++] = chip.data[p + 2];
    }
  }
}

/** Applies `normalization` in place to one chip's interleaved RGB values. */
function normalize(values: Float32Array, normalization: GraphNormalization): void {
  switch (normalization) {
    case "raw":
      return;
    case "zero-one":
      for (let i = 0; i < values.length; i++) values[i] /= 255;
      return;
    case "minus-one-one":
      for (let i = 0; i < values.length; i++) values[i] = values[i] / 127.5 - 1;
      return;
    case "dlib":
      for (let i = 0; i < values.length; i++) values[i] = (values[i] - DLIB_MEAN_RGB[i % 3]) / 256;
      return;
    case "standardize": {
      const n = values.length;
      let sum = 0, sumSquares = 0;
      for (let i = 0; i < n; i++) {
        sum += values[i];
        sumSquares += values[i] * values[i];
      }
      const mean = sum / n;
      const std = Math.sqrt(Math.max(0, sumSquares / n - mean * mean));
      const divisor = Math.max(std, 1 / Math.sqrt(n));
      for (let i = 0; i < n; i++) values[i] = (values[i] - mean) / divisor;
      return;
    }
  }
}

function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return v;
}
