/** `faceprint detect`: find faces, print boxes, scores and landmarks. */
import { FACE_FLAGS_HELP } from "./face_options.ts";
import { INPUT_FLAGS_HELP, RESUME_HELP } from "./input_flags.ts";
import { runScan } from "./scan.ts";

/** Help for `faceprint detect`. */
export const DETECT_HELP = `Usage: faceprint detect [options] PATH...

Finds every face in each image (files, directories walked recursively, - for stdin, or the
paths in a --files-from list) and prints one JSON object per image:
  {"file","width","height","faces":[{"box":{"x","y","width","height"},"score",
   "landmarks":{"leftEye","rightEye","nose","mouthLeft","mouthRight"}}]}
Coordinates are pixels of the image as displayed (EXIF orientation applied). An image that cannot
be read prints {"file","error"} and the batch goes on.

Options:
  -f, --format F        jsonl (default), json, or csv (a row per face, one for an image without
                        faces: file,image_width,image_height,faces,detected,face,x,y,width,
                        height,score, the landmarks as left_eye_x,left_eye_y,…,error)
  --pick P              keep one face per image: largest, center, score (default: all)
  --crops DIR           write each face aligned to 150x150 as DIR/<image>_<n>.png (the face's
                        "crop" names it; DIR is never read as input)
${INPUT_FLAGS_HELP}
${RESUME_HELP}
${FACE_FLAGS_HELP}

Exit codes: 0 all images read, 1 some images failed (their errors are in the output), 2 usage error.

Example:
  faceprint detect photos/ --min-face 40 --format csv > faces.csv`;

/** Runs `faceprint detect`; returns the exit code. */
export function detectCommand(argv: string[]): Promise<number> {
  return runScan(argv, false);
}
