/** `faceprint embed`: faces plus their 128-d embeddings. */
import { FACE_FLAGS_HELP } from "./face_options.ts";
import { INPUT_FLAGS_HELP, RESUME_HELP } from "./input_flags.ts";
import { runScan } from "./scan.ts";
import { calibrationFor } from "../identify/calibration.ts";
import { STAMPED_NAMES } from "../embed/catalog.ts";

/** "fused 0.73, dlib 0.43, …": each built-in embedder's verification threshold. */
function thresholdLine(): string {
  return Object.entries(STAMPED_NAMES)
    .map(([flag, name]) => `${flag} ${calibrationFor(name, false)?.verifyThreshold}`)
    .join(", ");
}

/** Help for `faceprint embed`. */
export const EMBED_HELP = `Usage: faceprint embed [options] PATH...

Like detect, and each face also gets "embedding": a unit-length vector. The default embedder
(fused) gives 320 numbers: the dlib ResNet's 128 (face aligned on 5 landmarks to a 150x150 chip)
and MobileFaceNet's 192 (112x112 chip), weighted; --embedder dlib or mobilefacenet gives one
model's vector. Two faces whose embeddings are closer (Euclidean) than the embedder's calibrated
threshold are the same person: ${thresholdLine()}.

Options:
  -f, --format F        jsonl (default), json, or csv (detect's columns, then e0,e1,… before
                        error)
  --pick P              keep one face per image: largest (the single-face assumption), center
                        (nearest the image centre, right for pre-cropped portraits), score
                        (default: all faces)
  --crops DIR           also write each aligned face chip as DIR/<image>_<n>.png (the face's
                        "crop" names it; DIR is never read as input)
${INPUT_FLAGS_HELP}
${RESUME_HELP}
${FACE_FLAGS_HELP}

Exit codes: 0 all images read, 1 some images failed (their errors are in the output), 2 usage error.

Example:
  faceprint embed --pick largest portrait.jpg | jq '.faces[0].embedding | length'`;

/** Runs `faceprint embed`; returns the exit code. */
export function embedCommand(argv: string[]): Promise<number> {
  return runScan(argv, true);
}
