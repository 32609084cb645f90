/**
 * A TFLite face-embedding model as an {@link Embedder}: the file is parsed and compiled to tfjs
 * ops on the WASM backend (src/embed/tflite/), chips in, L2-normalised vectors out.
 */
import * as tf from "@tensorflow/tfjs-core";
import { basename } from "node:path";
import { sha256Hex } from "../gallery/sha256.ts";
import { initTf } from "../runtime/tf.ts";
import type { Embedder } from "../types.ts";
import { scaleTemplate, type TemplateName } from "./align.ts";
import { CHIP_NORMALIZATIONS, type ChipNormalization, embedChips } from "./chip_batches.ts";
import { defaultTemplate } from "./graph_model.ts";
import { readFileNamed } from "./read_model_file.ts";
import { compileTflite } from "./tflite/graph.ts";
import { parseTflite } from "./tflite/model.ts";

/** Options for {@link tfliteEmbedder}. */
export interface TfliteEmbedderOptions {
  /** Embedder name stamped into galleries. */
  name: string;
  normalization: ChipNormalization;
  /** Alignment template (default: "arcface" for 112-px inputs, "dlib" otherwise). */
  template?: TemplateName;
  /** Images per forward pass. */
  batch?: number;
}

/**
 * Builds an embedder from the bytes of a `.tflite` model whose input is `[batch, size, size, 3]`
 * float32 and whose output is one vector per image (`[batch, n]`, or `[batch, 1, 1, n]`).
 * Throws one line for a file that is not a TFLite model, an unsupported operator or a quantised
 * model, or an input that is not a square RGB image.
 *
 * @example
 * const embedder = await tfliteEmbedder(bytes, { name: "mobilefacenet-v1", normalization: "arcface" });
 */
export async function tfliteEmbedder(
  bytes: Uint8Array<ArrayBuffer>,
  options: TfliteEmbedderOptions,
): Promise<Embedder> {
  if (!CHIP_NORMALIZATIONS.includes(options.normalization)) {
    throw new Error(`unknown normalization "${options.normalization}"`);
  }
  const model = parseTflite(bytes);
  await initTf();
  const program = compileTflite(model);
  const [, height, width, channels] = program.inputShape;
  if (program.inputShape.length !== 4 || height !== width || channels !== 3 || !(height > 0)) {
    program.dispose();
    throw new Error(`input shape [${program.inputShape}] is not [batch, size, size, 3]`);
  }
  const size = program.outputShape.at(-1)!;
  if (program.outputShape.slice(1, -1).some((d) => d !== 1) || !(size > 0)) {
    program.dispose();
    throw new Error(`output shape [${program.outputShape}] is not one vector per image`);
  }
  const run = async (input: tf.Tensor4D): Promise<Float32Array[]> => {
    const output = program.run(input);
    try {
      const values = await output.data<"float32">();
      return Array.from(
        { length: input.shape[0] },
        (_, i) => values.slice(i * size, (i + 1) * size),
      );
    } finally {
      output.dispose();
    }
  };
  return {
    name: options.name,
    hash: await sha256Hex(bytes),
    size,
    inputSize: height,
    template: scaleTemplate(options.template ?? defaultTemplate(height), height),
    embed: (chips, embedOptions) =>
      embedChips(chips, embedOptions, {
        label: options.name,
        inputSize: height,
        size,
        normalization: options.normalization,
        batch: options.batch ?? 8,
        run,
      }),
  };
}

/**
 * Loads a user's `.tflite` embedder from disk, named "tflite:<file name>"; errors name the file.
 *
 * @example
 * const embedder = await loadTfliteEmbedder("arcface.tflite", { normalization: "arcface" });
 */
export async function loadTfliteEmbedder(
  path: string,
  options: Omit<TfliteEmbedderOptions, "name">,
): Promise<Embedder> {
  const bytes = await readFileNamed(path, "the model");
  try {
    return await tfliteEmbedder(bytes, { ...options, name: `tflite:${basename(path)}` });
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
