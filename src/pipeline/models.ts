/**
 * Loads the detector and embedder a command asks for. Model code is imported on first use, so a
 * command only pays for the models it runs.
 */
import type { Detector } from "../types.ts";
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

/** Loads the embedder a command chose (see src/embed/catalog.ts). */
export { loadFaceEmbedder as loadEmbedder } from "../embed/catalog.ts";
