/**
 * Loads the detector and embedder a command asks for. Model code is imported on first use, so a
 * command only pays for the models it runs.
 */
import type { Detector, Embedder } from "../types.ts";
import type { GraphEmbedderOptions } from "../embed/graph_model.ts";
import { initTf } from "../runtime/tf.ts";

/** Detector names accepted by `--detector`. */
export const DETECTORS = ["mtcnn", "blazeface"] as const;
/** One of {@link DETECTORS}. */
export type DetectorName = typeof DETECTORS[number];

/** Starts tfjs and loads the named detector. */
export async function loadDetector(name: DetectorName): Promise<Detector> {
  await initTf();
  if (name === "blazeface") {
    const { createBlazeFaceDetector } = await import("../detect/blazeface/blazeface.ts");
    return await createBlazeFaceDetector();
  }
  const { createMtcnnDetector } = await import("../detect/mtcnn/mtcnn.ts");
  return await createMtcnnDetector();
}

/**
 * Starts tfjs and loads the embedder: the built-in dlib ResNet, or a user tfjs graph model when
 * `graph` names its model.json.
 */
export async function loadEmbedder(
  graph?: { path: string; options: GraphEmbedderOptions },
): Promise<Embedder> {
  await initTf();
  if (graph) {
    const { loadGraphEmbedder } = await import("../embed/graph_model.ts");
    return await loadGraphEmbedder(graph.path, graph.options);
  }
  const { createDlibEmbedder } = await import("../embed/dlib_resnet.ts");
  return await createDlibEmbedder();
}
