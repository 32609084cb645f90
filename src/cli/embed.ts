/** `faceprint embed`: faces plus their 128-d embeddings. */
import { FACE_FLAGS_HELP } from "./face_options.ts";
import { runScan } from "./scan.ts";

/** Help for `faceprint embed`. */
export const EMBED_HELP = `Usage: faceprint embed [options] PATH...

Like detect, and each face also gets "embedding": its unit-length 128-number vector from the dlib
ResNet (faces aligned on 5 landmarks to a 150x150 chip). Distance between two embeddings (Euclidean)
below about 0.6 means the same person.

Options:
  -f, --format F        jsonl (default), json, or csv (file,face,x,y,width,height,score,e0..e127,error)
  --pick P              keep one face per image: largest (the single-face assumption), center
                        (nearest the image centre, right for pre-cropped portraits), score
                        (default: all faces)
  --crops DIR           also write each aligned face chip as DIR/<image>_<n>.png
${FACE_FLAGS_HELP}

Exit codes: 0 all images read, 1 some images failed (their errors are in the output), 2 usage error.

Example:
  faceprint embed --pick largest portrait.jpg | jq '.faces[0].embedding | length'`;

/** Runs `faceprint embed`; returns the exit code. */
export function embedCommand(argv: string[]): Promise<number> {
  return runScan(argv, true);
}
