/** `faceprint verify A B`: is the face in A the same person as the face in B? */
import { parseFlags } from "./args.ts";
import { faceDistance } from "../identify/metric.ts";
import { embedPickedFace } from "../pipeline/analyze.ts";
import { loadDetector, loadEmbedder } from "../pipeline/models.ts";
import { EXIT, UsageError } from "./errors.ts";
import {
  FACE_FLAGS,
  FACE_FLAGS_HELP,
  imageOptions,
  parseFaceOptions,
  parsePick,
  requiredThreshold,
} from "./face_options.ts";
import { readInput } from "./inputs.ts";
import { warn } from "./log.ts";
import { parseFormat, writeOne } from "./output.ts";

/** Help for `faceprint verify`. */
export const VERIFY_HELP = `Usage: faceprint verify A B [--threshold T] [options]

Compares the largest face in image A with the largest face in image B and prints
  {"a","b","distance","threshold","same","facesA","facesB"}
where distance is the Euclidean distance between their embeddings (for fused, the mean of the two
models' Euclidean distances; 0 = identical, 2 = opposite)
and same is distance <= threshold. Calibrate the threshold on your own photos with
'faceprint evaluate --pairs'.

Options:
  --threshold T         default: the embedder's calibrated threshold (shown in the output;
                        required for a model file given with --embedder)
  --pick P              which face of each image: largest (default), center, score (a
                        photo with several faces gets a note on stderr saying which was taken)
  -f, --format F        jsonl (default), json, csv (columns as the JSON's keys)
${FACE_FLAGS_HELP}

Exit codes: 0 same person, 1 different people, 2 error (unreadable image, no face, bad usage).

Example:
  faceprint verify id-photo.jpg selfie.jpg && echo "same person"`;

/** What `verify` prints. */
interface VerifyRecord {
  a: string;
  b: string;
  distance: number;
  threshold: number;
  same: boolean;
  facesA: number;
  facesB: number;
}

/** How the stderr note names the face `--pick` took from a photo with several. */
const PICKED = { largest: "largest", center: "one nearest the centre", score: "surest one" };

/** Runs `faceprint verify`; returns 0 (same), 1 (different) or 2 (error). */
export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...FACE_FLAGS,
    threshold: { type: "string" },
    pick: { type: "string" },
    format: { type: "string", short: "f" },
  });
  if (positionals.length !== 2) throw new UsageError("verify takes exactly two images: A B");
  const options = parseFaceOptions(values);
  const format = parseFormat(values.format);
  const pick = parsePick(values.pick, "largest");
  if (pick === "all") throw new UsageError("--pick all does not apply to verify");
  const detector = await loadDetector(options.detector);
  const embedder = await loadEmbedder(options.embedder);
  const threshold = requiredThreshold(values.threshold, "threshold", embedder.name, options.flip);
  const faces = [];
  for (const path of positionals) {
    const input = path === "-"
      ? { kind: "stdin" as const, path: "-" as const }
      : { kind: "file" as const, path };
    let picked;
    try {
      picked = await embedPickedFace(await readInput(input), { detector, embedder }, {
        ...imageOptions(options, pick),
      });
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    if (!picked) throw new Error(`${path}: no face found`);
    if (picked.detected > 1) {
      warn(
        `${path}: ${picked.detected} faces, compared the ${PICKED[pick]} (--pick chooses another)`,
      );
    }
    faces.push({ embedding: picked.face.embedding, detected: picked.detected });
  }
  const distance = faceDistance(embedder.name)(faces[0].embedding, faces[1].embedding);
  const same = distance <= threshold;
  writeOne(format, {
    header: ["a", "b", "distance", "threshold", "same", "facesA", "facesB"],
    rows: (r: VerifyRecord) => [[r.a, r.b, r.distance, r.threshold, r.same, r.facesA, r.facesB]],
    errorColumn: false,
  }, {
    a: positionals[0],
    b: positionals[1],
    distance: Math.round(distance * 1e4) / 1e4,
    threshold,
    same,
    facesA: faces[0].detected,
    facesB: faces[1].detected,
  });
  return same ? EXIT.ok : EXIT.partial;
}
