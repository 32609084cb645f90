/**
 * MobileFaceNet (sirius-ai's MobileFaceNet_TF, 192-d, 112×112 chips on the ArcFace template) from
 * its embedded TFLite file, run by faceprint's TFLite reader.
 */
import modelBytes from "../../models/MobileFaceNet.tflite" with { type: "bytes" };
import type { Embedder } from "../types.ts";
import { tfliteEmbedder } from "./tflite_embedder.ts";

/** Name stamped into galleries and models made with MobileFaceNet. */
export const MOBILEFACENET_NAME = "mobilefacenet-v1";

let shared: Promise<Embedder> | null = null;

/**
 * The MobileFaceNet embedder (built once; later calls return the same instance). Inputs are
 * `(pixel − 127.5) / 128` in RGB order, as the model was trained.
 *
 * @example
 * const embedder = await createMobileFaceNetEmbedder();
 * const chip = alignFace(image, face.landmarks, 112, embedder.template);
 * const [vector] = await embedder.embed([chip], { flip: false }); // 192 values, unit length
 */
export function createMobileFaceNetEmbedder(): Promise<Embedder> {
  shared ??= tfliteEmbedder(modelBytes as Uint8Array<ArrayBuffer>, {
    name: MOBILEFACENET_NAME,
    normalization: "arcface",
    template: "arcface",
  });
  return shared;
}
