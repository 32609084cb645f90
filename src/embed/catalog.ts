/**
 * Which embedder a command uses: the built-in ones by short name (`--embedder dlib|mobilefacenet|
 * fused`), or a user's model file (a tfjs graph `model.json` or a `.tflite`). A choice is plain
 * data, so it can be sent to workers; each worker loads it with {@link loadFaceEmbedder}.
 */
import type { FaceEmbedder } from "../types.ts";
import type { TemplateName } from "./align.ts";
import type { ChipNormalization } from "./chip_batches.ts";
import type { GraphEmbedderOptions } from "./graph_model.ts";

/** Built-in embedders by their `--embedder` names. */
export const BUILTIN_EMBEDDERS = ["dlib", "mobilefacenet", "fused"] as const;
/** One of {@link BUILTIN_EMBEDDERS}. */
export type BuiltinEmbedder = typeof BUILTIN_EMBEDDERS[number];

/** The names built-in embedders stamp into galleries and models. */
export const STAMPED_NAMES: Record<BuiltinEmbedder, string> = {
  dlib: "dlib-resnet-v1",
  mobilefacenet: "mobilefacenet-v1",
  fused: "fused-v1",
};

/**
 * Sizes of the unit vectors a fused embedder's stamped vector is made of, in order (each stored
 * scaled by 1/√k); single-model embedders are absent.
 */
export const STAMPED_PART_SIZES: Record<string, readonly number[]> = {
  "fused-v1": [128, 192],
};

/** An embedder to load. */
export type EmbedderChoice =
  | { kind: "builtin"; name: BuiltinEmbedder }
  | { kind: "graph"; path: string; options: GraphEmbedderOptions }
  | {
    kind: "tflite";
    path: string;
    options: { normalization: ChipNormalization; template?: TemplateName };
  };

/**
 * The built-in embedder that stamps `stampedName` into galleries, or null for a user model.
 *
 * @example
 * builtinForStamp("fused-v1"); // { kind: "builtin", name: "fused" }
 */
export function builtinForStamp(stampedName: string): EmbedderChoice | null {
  const entry = Object.entries(STAMPED_NAMES).find(([, stamped]) => stamped === stampedName);
  return entry ? { kind: "builtin", name: entry[0] as BuiltinEmbedder } : null;
}

/**
 * Loads a choice (starting tfjs): built-ins from the embedded weights, user models from disk.
 * Model code is imported on first use, so a command pays only for the models it runs.
 *
 * @example
 * const embedder = await loadFaceEmbedder({ kind: "builtin", name: "fused" }); // 320-d
 */
export async function loadFaceEmbedder(choice: EmbedderChoice): Promise<FaceEmbedder> {
  const { singleEmbedder, fuseEmbedders } = await import("./fusion.ts");
  if (choice.kind === "graph") {
    const { loadGraphEmbedder } = await import("./graph_model.ts");
    return singleEmbedder(await loadGraphEmbedder(choice.path, choice.options));
  }
  if (choice.kind === "tflite") {
    const { loadTfliteEmbedder } = await import("./tflite_embedder.ts");
    return singleEmbedder(await loadTfliteEmbedder(choice.path, choice.options));
  }
  const dlib = async () => (await import("./dlib_resnet.ts")).createDlibEmbedder();
  const mobile = async () => (await import("./mobilefacenet.ts")).createMobileFaceNetEmbedder();
  if (choice.name === "dlib") return singleEmbedder(await dlib());
  if (choice.name === "mobilefacenet") return singleEmbedder(await mobile());
  return await fuseEmbedders(STAMPED_NAMES.fused, [await dlib(), await mobile()]);
}
