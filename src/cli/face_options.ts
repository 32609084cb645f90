/**
 * The options shared by every command that looks at photos (detect, embed, enroll, identify,
 * verify, evaluate): parsing, validation and their help text, in one place.
 */
import { DEFAULT_MAX_PIXELS } from "../image/decode.ts";
import { type Pick, PICKS } from "../pipeline/analyze.ts";
import { type DetectorName, DETECTORS } from "../pipeline/models.ts";
import { defaultJobs } from "../pipeline/worker_pool.ts";
import {
  CHIP_NORMALIZATIONS as NORMALIZATIONS,
  type ChipNormalization,
} from "../embed/chip_batches.ts";
import { type TemplateName, TEMPLATES } from "../embed/align.ts";
import {
  BUILTIN_EMBEDDERS,
  type BuiltinEmbedder,
  builtinForStamp,
  type EmbedderChoice,
  STAMPED_NAMES,
} from "../embed/catalog.ts";
import { UsageError } from "./errors.ts";
import { DEFAULT_MAX_FALSE_ACCEPT } from "../identify/defaults.ts";
import { calibrationFor } from "../identify/calibration.ts";
import {
  confidenceFor,
  type IdentifyMethod,
  openSetCut,
  type OpenSetRule,
} from "../identify/open_set.ts";

/** Whether embeddings average in the mirror image by default (see README: measured cost/benefit). */
export const DEFAULT_FLIP = false;

/** The built-in embedder used when none is named (see README: how the defaults were chosen). */
export const DEFAULT_EMBEDDER: BuiltinEmbedder = "fused";

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
  "embedder-template": { type: "string" },
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
}; with
                        --gallery or --model, the setting that file was made with)
  --embedder E          ${
  BUILTIN_EMBEDDERS.join(", ")
} (default: ${DEFAULT_EMBEDDER}), or a model file:
                        a tfjs graph model.json or a .tflite. With --gallery or --model, the
                        default is the embedder that file was made with
  --embedder-size PX    a model file's input size (default: from the model)
  --embedder-norm N     its input normalisation: ${NORMALIZATIONS.join(", ")}
                        (default: standardize for model.json, arcface for .tflite)
  --embedder-template T its alignment template: ${Object.keys(TEMPLATES).join(", ")} (default:
                        arcface for 112-px inputs, dlib otherwise)
  --embedder-output N   a model.json's output node name (default: the model's only output)
  -j, --jobs N          images analysed at once, each on its own core (default: ${defaultJobs()},
                        the number of cores); output order does not change`;

/** Parsed shared options. */
export interface FaceOptions {
  minFace: number | "auto";
  detector: DetectorName;
  maxPixels: number;
  flip: boolean;
  /** Whether --flip or --no-flip was given (else a gallery's or model's own setting is used). */
  flipGiven: boolean;
  /** Images analysed at once (workers). */
  jobs: number;
  embedder: EmbedderChoice;
  /** Whether --embedder was given (else a gallery's or model's own embedder may be used). */
  embedderGiven: boolean;
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

/**
 * A distance threshold: the flag's value when given, else the embedder's calibrated verification
 * threshold; null for an embedder faceprint has not calibrated (a user's model).
 */
export function thresholdFor(
  text: string | undefined,
  flag: string,
  embedder: string,
  flip: boolean,
): number | null {
  if (text !== undefined) return nonNegativeFlag(flag, text, 0);
  return calibrationFor(embedder, flip)?.verifyThreshold ?? null;
}

/** {@link thresholdFor}, refusing an uncalibrated embedder without the flag. */
export function requiredThreshold(
  text: string | undefined,
  flag: string,
  embedder: string,
  flip: boolean,
): number {
  const threshold = thresholdFor(text, flag, embedder, flip);
  if (threshold === null) {
    throw new UsageError(
      `embedder ${embedder} has no calibrated threshold: give --${flag} (measure one with ` +
        "'faceprint evaluate --pairs' on your own photos)",
    );
  }
  return threshold;
}

/** The open-set flags of `identify` and `evaluate`. */
export const OPEN_SET_FLAGS = {
  method: { type: "string" },
  "max-false-accept": { type: "string" },
  "max-distance": { type: "string" },
  "min-probability": { type: "string" },
} as const;

/** Help for {@link OPEN_SET_FLAGS}. */
export const OPEN_SET_FLAGS_HELP = `Open-set options (who is "unknown"):
  --method M            nearest (default: the person of the nearest enrolled face) or svm (the
                        trained classifier's answer; needs --model)
  --max-false-accept F  the chance that a stranger is named as someone, per face (default
                        ${DEFAULT_MAX_FALSE_ACCEPT}); the distance cut is set from it, the
                        embedder's calibration and the number of enrolled faces
  --max-distance D      a fixed distance cut instead (needed for a model file's embedder)
  --min-probability P   svm only: also unknown below this SVM probability (default 0: off)`;

/** `--method`, checked. */
export function parseMethod(text: string | undefined): IdentifyMethod {
  const method = text ?? "nearest";
  if (method !== "nearest" && method !== "svm") {
    throw new UsageError(`--method expects nearest or svm, got "${method}"`);
  }
  return method;
}

/**
 * The open-set rule for a gallery of `galleryFaces` faces of `embedder`: a cut from
 * `--max-distance`, else from `--max-false-accept` and the embedder's calibration; a confidence
 * function when the embedder is calibrated.
 */
export function openSetRuleFor(
  values: Record<string, string | boolean | undefined>,
  embedder: string,
  flip: boolean,
  galleryFaces: number,
): OpenSetRule {
  const calibration = calibrationFor(embedder, flip);
  const maxFalseAccept = nonNegativeFlag(
    "max-false-accept",
    values["max-false-accept"] as string | undefined,
    DEFAULT_MAX_FALSE_ACCEPT,
  );
  const fixed = values["max-distance"] as string | undefined;
  let maxDistance: number;
  if (fixed !== undefined) maxDistance = nonNegativeFlag("max-distance", fixed, 0);
  else if (calibration) maxDistance = openSetCut(calibration, maxFalseAccept, galleryFaces);
  else {
    throw new UsageError(
      `embedder ${embedder} has no calibrated distances: give --max-distance (measure one with ` +
        "'faceprint evaluate' on your own photos)",
    );
  }
  return {
    maxDistance,
    minProbability: nonNegativeFlag(
      "min-probability",
      values["min-probability"] as string | undefined,
      0,
    ),
    confidence: calibration ? confidenceFor(calibration, galleryFaces) : undefined,
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
    flipGiven: values["flip"] !== undefined || values["no-flip"] !== undefined,
    jobs,
    embedder: parseEmbedderChoice(values),
    embedderGiven: values["embedder"] !== undefined,
  };
  return options;
}

function parseEmbedderChoice(values: Record<string, string | boolean | undefined>): EmbedderChoice {
  const text = values["embedder"] as string | undefined;
  const sizeText = values["embedder-size"] as string | undefined;
  const norm = values["embedder-norm"] as string | undefined;
  const output = values["embedder-output"] as string | undefined;
  const template = values["embedder-template"] as string | undefined;
  const fileFlags = sizeText ?? norm ?? output ?? template;
  if (text === undefined || (BUILTIN_EMBEDDERS as readonly string[]).includes(text)) {
    if (fileFlags !== undefined) {
      throw new UsageError(
        "--embedder-size/-norm/-output/-template apply to a model file given with --embedder",
      );
    }
    return { kind: "builtin", name: (text ?? DEFAULT_EMBEDDER) as BuiltinEmbedder };
  }
  if (norm !== undefined && !(NORMALIZATIONS as readonly string[]).includes(norm)) {
    throw new UsageError(
      `--embedder-norm expects one of ${NORMALIZATIONS.join(", ")}, got "${norm}"`,
    );
  }
  if (template !== undefined && !(template in TEMPLATES)) {
    throw new UsageError(
      `--embedder-template expects one of ${Object.keys(TEMPLATES).join(", ")}, got "${template}"`,
    );
  }
  const templateName = template as TemplateName | undefined;
  if (text.toLowerCase().endsWith(".tflite")) {
    if (sizeText !== undefined || output !== undefined) {
      throw new UsageError(
        "--embedder-size and --embedder-output apply to a model.json, not a .tflite",
      );
    }
    return {
      kind: "tflite",
      path: text,
      options: { normalization: (norm ?? "arcface") as ChipNormalization, template: templateName },
    };
  }
  return {
    kind: "graph",
    path: text,
    options: {
      normalization: (norm ?? "standardize") as ChipNormalization,
      inputSize: sizeText === undefined ? undefined : positiveNumber("embedder-size", sizeText),
      outputNode: output,
      template: templateName,
    },
  };
}

/**
 * The embedder to use with a gallery or model made by `stampedName`: the one given with
 * --embedder, else that file's own built-in embedder (a model file's embedder must be named).
 */
export function embedderFor(
  options: FaceOptions,
  stampedName: string,
  file: string,
): EmbedderChoice {
  if (options.embedderGiven) return options.embedder;
  const builtin = builtinForStamp(stampedName);
  if (builtin) return builtin;
  throw new UsageError(
    `${file} was made with the embedder "${stampedName}": give that model with --embedder PATH`,
  );
}

/** The `--embedder` name of a built-in embedder's stamp, for messages ("fused-v1" → "fused"). */
export function embedderFlagFor(stampedName: string): string {
  const entry = Object.entries(STAMPED_NAMES).find(([, s]) => s === stampedName);
  return entry ? entry[0] : "PATH";
}
