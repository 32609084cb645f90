/**
 * Open-set identification: a face gets the name of an enrolled person only when it is close
 * enough to one of that person's enrolled faces; otherwise it is `unknown`. How close is
 * "enough" depends on the gallery: a stranger compared with N enrolled faces gets N chances of a
 * false match, so the cut is the distance below which a fraction `maxFalseAccept / N` of
 * different-person pairs fall (measured per embedder on LFW, see calibration.ts). Two ways to pick
 * the candidate: `nearest` (the person of the nearest enrolled face) and `svm` (the trained
 * classifier's label, then the same distance check against that person's faces).
 */
import { predictSvm, type SvmModel } from "../classify/mod.ts";
import { type EmbedderCalibration, impostorDistance, impostorRate } from "./calibration.ts";
import type { FaceDistance } from "./metric.ts";

/** Name given to faces that match nobody in the gallery. */
export const UNKNOWN = "unknown";

/** How the candidate person is chosen. */
export type IdentifyMethod = "nearest" | "svm";

/** Thresholds of the open-set rule. */
export interface OpenSetRule {
  /** Farther than this from every enrolled face of the candidate: unknown. */
  maxDistance: number;
  /** SVM only: below this probability the face is unknown (0: no probability rule). */
  minProbability: number;
  /** Estimates how unlikely a stranger comes this close (absent for uncalibrated embedders). */
  confidence?: (distance: number) => number;
}

/** Enrolled embeddings grouped by person, for the distance check. */
export type EnrolledFaces = Map<string, Float32Array[]>;

/** The answer for one face. */
export interface Identification {
  /** The person, or `unknown`. */
  name: string;
  /** The best guess (nearest person or SVM label), even when the answer is unknown. */
  candidate: string;
  /** Distance to the candidate's nearest enrolled face (absent: SVM without a gallery). */
  distance?: number;
  /** SVM probability of `candidate` (SVM method only). */
  probability?: number;
  /** 1 − the chance that a stranger comes this close to some enrolled face (calibrated only). */
  confidence?: number;
  /** Why the face is unknown, e.g. "distance 0.912 > 0.801". */
  reason?: string;
}

/**
 * The distance cut for a gallery of `galleryFaces` faces: a stranger is accepted with probability
 * about `maxFalseAccept` (union bound over the faces), never looser than the 1:1 verification
 * threshold.
 *
 * @example
 * openSetCut(calibrationFor("fused-v1", true)!, 0.01, 455); // ≈ 0.75
 */
export function openSetCut(
  calibration: EmbedderCalibration,
  maxFalseAccept: number,
  galleryFaces: number,
): number {
  const perPair = maxFalseAccept / Math.max(1, galleryFaces);
  return Math.min(calibration.verifyThreshold, impostorDistance(calibration, perPair));
}

/**
 * The confidence function of a gallery: 1 − (faces × fraction of different-person pairs closer
 * than the distance), clamped to [0, 1].
 */
export function confidenceFor(
  calibration: EmbedderCalibration,
  galleryFaces: number,
): (distance: number) => number {
  return (d) => Math.max(0, 1 - Math.max(1, galleryFaces) * impostorRate(calibration, d));
}

/** Applies the distance (and probability) rule to a candidate. */
function decide(
  candidate: string,
  distance: number | undefined,
  probability: number | undefined,
  rule: OpenSetRule,
): Identification {
  const result: Identification = { name: candidate, candidate };
  const reasons: string[] = [];
  if (distance !== undefined) {
    result.distance = distance;
    if (rule.confidence && Number.isFinite(distance)) {
      result.confidence = rule.confidence(distance);
    }
    if (!(distance <= rule.maxDistance)) {
      const shown = Number.isFinite(distance) ? distance.toFixed(3) : "none enrolled";
      reasons.push(`distance ${shown} > ${rule.maxDistance.toFixed(3)}`);
    }
  }
  if (probability !== undefined) {
    result.probability = probability;
    if (probability < rule.minProbability) {
      reasons.push(`probability ${probability.toFixed(3)} < ${rule.minProbability}`);
    }
  }
  if (reasons.length) {
    result.name = UNKNOWN;
    result.reason = reasons.join("; ");
  }
  return result;
}

/**
 * Nearest method: the person of the nearest enrolled face, unknown beyond the cut.
 *
 * @example
 * identifyNearest({ person: "amy", distance: 0.41 }, rule); // { name: "amy", ... }
 */
export function identifyNearest(
  nearest: { person: string; distance: number } | undefined,
  rule: OpenSetRule,
): Identification {
  if (!nearest) return decide(UNKNOWN, Infinity, undefined, rule);
  return decide(nearest.person, nearest.distance, undefined, rule);
}

/** Smallest distance from `vector` to any of `faces` (Infinity when there are none). */
export function nearestDistance(
  vector: ArrayLike<number>,
  faces: readonly Float32Array[],
  distance: FaceDistance,
): number {
  let best = Infinity;
  for (const face of faces) best = Math.min(best, distance(vector, face));
  return best;
}

/**
 * SVM method: the classifier's label, then the open-set rule (the distance part only when
 * `enrolled` is given).
 *
 * @example
 * const id = identifySvm(model, embedding, rule, euclidean, enrolled);
 * if (id.name === UNKNOWN) console.log(id.reason);
 */
export function identifySvm(
  model: SvmModel,
  vector: Float32Array,
  rule: OpenSetRule,
  distance: FaceDistance,
  enrolled?: EnrolledFaces,
): Identification {
  const { label, probability } = predictSvm(model, vector);
  const d = enrolled ? nearestDistance(vector, enrolled.get(label) ?? [], distance) : undefined;
  return decide(label, d, probability, rule);
}
