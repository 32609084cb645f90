/**
 * A user-supplied TensorFlow.js graph model (model.json + weight shards on disk) as an
 * {@link Embedder}: square chips in, L2-normalised vectors out. Needs only read permission.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import { basename, dirname, join } from "node:path";
import { initTf } from "../runtime/tf.ts";
import type { Embedder } from "../types.ts";
import { scaleTemplate, type TemplateName } from "./align.ts";
import { CHIP_NORMALIZATIONS, type ChipNormalization, embedChips } from "./chip_batches.ts";
import { readFileNamed } from "./read_model_file.ts";
import { sha256Hex } from "../gallery/sha256.ts";

/** Options for {@link loadGraphEmbedder}. */
export interface GraphEmbedderOptions {
  /** Side of the square input chip; defaults to the model's input height and width. */
  inputSize?: number;
  normalization: ChipNormalization;
  /** Node whose value is the embedding; needed when the model has several outputs. */
  outputNode?: string;
  /** Alignment template (default: "arcface" for 112-px inputs, "dlib" otherwise). */
  template?: TemplateName;
}

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
  if (!CHIP_NORMALIZATIONS.includes(options.normalization)) {
    throw new Error(
      `graph embedder: unknown normalization "${options.normalization}" (one of ${
        CHIP_NORMALIZATIONS.join(", ")
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
    template: scaleTemplate(options.template ?? defaultTemplate(inputSize), inputSize),
    embed: (chips, embedOptions) =>
      embedChips(chips, embedOptions, {
        label: "graph embedder",
        inputSize,
        size,
        normalization: options.normalization,
        batch: 8,
        run,
      }),
  };
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
    hash: await sha256Hex(concatBytes([jsonBytes, weights]) as Uint8Array<ArrayBuffer>),
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

/** The template a model of this input size most likely expects (ArcFace models take 112 px). */
export function defaultTemplate(inputSize: number): TemplateName {
  return inputSize === 112 ? "arcface" : "dlib";
}
