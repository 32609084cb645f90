/** `faceprint embed`: faces plus their embeddings (320-d fused by default). */
import { FACE_FLAGS_HELP } from "./face_options.ts";
import { INPUT_FLAGS_HELP, RESUME_HELP } from "./input_flags.ts";
import { runScan } from "./scan.ts";
import { calibrationFor } from "../identify/calibration.ts";
import { STAMPED_NAMES } from "../embed/catalog.ts";

/** "dlib 0.4306, mobilefacenet 1.109, fused 0.79": each built-in embedder's verification threshold. */
function thresholdLine(): string {
  return Object.entries(STAMPED_NAMES)
    .map(([flag, name]) => `${flag} ${calibrationFor(name, false)?.verifyThreshold}`)
    .join(", ");
}

/** Help for `faceprint embed`. */
export const EMBED_HELP = `Usage: faceprint embed [options] PATH...

Like detect, and each face also gets "embedding": a unit-length vector. The default embedder
(fused) gives 320 numbers: the dlib ResNet's 128 (face aligned on 5 landmarks to a 150x150 chip)
then MobileFaceNet's 192 (112x112 chip), each unit vector x 1/sqrt(2); --embedder dlib or
mobilefacenet gives one model's vector. Two faces closer than the embedder's calibrated threshold
are the same person (${thresholdLine()}). The distance is Euclidean;
for fused, the mean of the two parts' distances (each part scaled back to unit length).

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
