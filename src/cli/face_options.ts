/**
 * The options shared by every command that looks at photos (detect, embed, enroll, identify,
 * verify, evaluate): parsing, validation and their help text, in one place.
 */
import { DEFAULT_MAX_PIXELS } from "../image/decode.ts";
import { type Pick, PICKS } from "../pipeline/analyze.ts";
import { type DetectorName, DETECTORS } from "../pipeline/models.ts";
import { defaultJobs } from "../pipeline/worker_pool.ts";
import type { GraphEmbedderOptions } from "../embed/graph_model.ts";
import { GRAPH_NORMALIZATIONS as NORMALIZATIONS } from "../embed/graph_model.ts";
import { UsageError } from "./errors.ts";
import { DEFAULT_OPEN_SET } from "../identify/defaults.ts";
import type { OpenSetRule } from "../identify/open_set.ts";

/** Whether embeddings average in the mirror image by default (see README: measured cost/benefit). */
export const DEFAULT_FLIP = false;

/** `node:util` parseArgs option specs for the shared flags. */
export const FACE_FLAGS = {
  "min-face": { type: "string" },
  "detector": { type: "string" },
  "max-pixels": { type: "string" },
  "flip": { type: "boolean" },
  "no-flip": { type: "boolean" },
  "embedder": { type: "string" },
  "embedder-size": { type: "string" },
  "embedder-norm": { type: "string" },
  "embedder-output": { type: "string" },
  "jobs": { type: "string", short: "j" },
} as const;

/** Help text for the shared flags. */
export const FACE_FLAGS_HELP = `Detection and embedding options:
  --min-face PX         smallest face to find, in pixels (default "auto": 20, or 2.5% of the
                        shorter side on photos larger than 800 px; give 20 for tiny faces)
  --detector NAME       mtcnn (default, accurate) or blazeface (fast; faces larger than about
                        1/30 of the image side)
  --max-pixels N        refuse images above N pixels (default ${DEFAULT_MAX_PIXELS})
  --flip / --no-flip    average each embedding with its mirror image's (default: ${
  DEFAULT_FLIP ? "on" : "off"
})
  --embedder MODEL.json use a tfjs graph model instead of the built-in dlib ResNet
  --embedder-size PX    its input size (default: from the model)
  --embedder-norm N     its input normalisation: ${NORMALIZATIONS.join(", ")} (default: standardize)
  --embedder-output N   its output node name (default: the model's first output)
  -j, --jobs N          images analysed at once, each on its own core (default: ${defaultJobs()},
                        the number of cores); output order does not change`;

/** Parsed shared options. */
export interface FaceOptions {
  minFace: number | "auto";
  detector: DetectorName;
  maxPixels: number;
  flip: boolean;
  /** Images analysed at once (workers). */
  jobs: number;
  graph?: { path: string; options: GraphEmbedderOptions };
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag} expects a positive number, got "${text}"`);
  }
  return n;
}

/** A flag's value as a number >= 0, or `fallback` when the flag is absent. */
export function nonNegativeFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    throw new UsageError(`--${flag} expects a number >= 0, got "${text}"`);
  }
  return n;
}

/** The open-set rule from `--min-probability` / `--max-distance`, defaulting to the measured ones. */
export function parseOpenSetRule(
  values: Record<string, string | boolean | undefined>,
): OpenSetRule {
  return {
    minProbability: nonNegativeFlag(
      "min-probability",
      values["min-probability"] as string | undefined,
      DEFAULT_OPEN_SET.minProbability,
    ),
    maxDistance: nonNegativeFlag(
      "max-distance",
      values["max-distance"] as string | undefined,
      DEFAULT_OPEN_SET.maxDistance,
    ),
  };
}

/** The per-image analysis settings these options give, with `pick`. */
export function imageOptions(
  options: FaceOptions,
  pick: Pick,
): { minFace: number | "auto"; maxPixels: number; pick: Pick; flip: boolean } {
  return { minFace: options.minFace, maxPixels: options.maxPixels, pick, flip: options.flip };
}

/** Checks a `--pick` value. */
export function parsePick(text: string | undefined, fallback: Pick): Pick {
  if (text === undefined) return fallback;
  if (!(PICKS as readonly string[]).includes(text)) {
    throw new UsageError(`--pick expects one of ${PICKS.join(", ")}, got "${text}"`);
  }
  return text as Pick;
}

/** Validates the shared flags from parseArgs `values`. */
export function parseFaceOptions(
  values: Record<string, string | boolean | undefined>,
): FaceOptions {
  const detector = (values["detector"] as string | undefined) ?? "mtcnn";
  if (!(DETECTORS as readonly string[]).includes(detector)) {
    throw new UsageError(`--detector expects one of ${DETECTORS.join(", ")}, got "${detector}"`);
  }
  const minFaceText = values["min-face"] as string | undefined;
  const minFace = minFaceText === undefined || minFaceText === "auto"
    ? "auto"
    : positiveNumber("min-face", minFaceText);
  const maxPixelsText = values["max-pixels"] as string | undefined;
  const maxPixels = maxPixelsText === undefined
    ? DEFAULT_MAX_PIXELS
    : positiveNumber("max-pixels", maxPixelsText);
  if (values["flip"] && values["no-flip"]) throw new UsageError("--flip and --no-flip conflict");
  const flip = values["flip"] ? true : values["no-flip"] ? false : DEFAULT_FLIP;
  const jobsText = values["jobs"] as string | undefined;
  const jobs = jobsText === undefined ? defaultJobs() : Number(jobsText);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new UsageError(`--jobs expects a whole number >= 1, got "${jobsText}"`);
  }
  const options: FaceOptions = {
    minFace,
    detector: detector as DetectorName,
    maxPixels,
    flip,
    jobs,
  };
  const embedder = values["embedder"] as string | undefined;
  if (embedder !== undefined) {
    const norm = (values["embedder-norm"] as string | undefined) ?? "standardize";
    if (!(NORMALIZATIONS as readonly string[]).includes(norm)) {
      throw new UsageError(`--embedder-norm expects one of ${NORMALIZATIONS.join(", ")}`);
    }
    const sizeText = values["embedder-size"] as string | undefined;
    options.graph = {
      path: embedder,
      options: {
        normalization: norm as GraphEmbedderOptions["normalization"],
        inputSize: sizeText === undefined ? undefined : positiveNumber("embedder-size", sizeText),
        outputNode: values["embedder-output"] as string | undefined,
      },
    };
  } else if (values["embedder-size"] || values["embedder-norm"] || values["embedder-output"]) {
    throw new UsageError("--embedder-size/--embedder-norm/--embedder-output need --embedder");
  }
  return options;
}
