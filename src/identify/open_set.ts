/**
 * Open-set identification: the SVM names the most likely enrolled person, and the face is
 * `unknown` unless that answer is both probable enough and close enough to one of the person's
 * enrolled faces. A stranger is thus not forced onto the nearest known person.
 */
import { predictSvm, type SvmModel } from "../classify/mod.ts";

/** Name given to faces that match nobody in the gallery. */
export const UNKNOWN = "unknown";

/** Thresholds of the open-set rule. */
export interface OpenSetRule {
  /** Below this SVM probability the face is unknown. */
  minProbability: number;
  /** Farther than this (Euclidean, unit vectors) from every enrolled face of the person: unknown. */
  maxDistance: number;
}

/** Enrolled embeddings grouped by person, for the distance check. */
export type EnrolledFaces = Map<string, Float32Array[]>;

/** The answer for one face. */
export interface Identification {
  /** The person, or `unknown`. */
  name: string;
  /** SVM probability of `candidate`. */
  probability: number;
  /** The SVM's best guess, even when the answer is unknown. */
  candidate: string;
  /** Distance to the candidate's nearest enrolled face (absent without a gallery). */
  distance?: number;
  /** Why the face is unknown, e.g. "probability 0.31 < 0.50". */
  reason?: string;
}

/** Euclidean distance between two vectors of equal length. */
export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

/** Smallest distance from `vector` to any of `faces` (Infinity when there are none). */
export function nearestDistance(vector: ArrayLike<number>, faces: readonly Float32Array[]): number {
  let best = Infinity;
  for (const face of faces) best = Math.min(best, euclidean(vector, face));
  return best;
}

/**
 * Identifies one embedding with the SVM, then applies the open-set rule (the distance part only
 * when `enrolled` is given).
 *
 * @example
 * const id = identify(model, embedding, { minProbability: 0.5, maxDistance: 0.55 }, enrolled);
 * if (id.name === UNKNOWN) console.log(id.reason);
 */
export function identify(
  model: SvmModel,
  vector: Float32Array,
  rule: OpenSetRule,
  enrolled?: EnrolledFaces,
): Identification {
  const { label, probability } = predictSvm(model, vector);
  const result: Identification = { name: label, probability, candidate: label };
  const reasons: string[] = [];
  if (enrolled) {
    result.distance = nearestDistance(vector, enrolled.get(label) ?? []);
    if (!(result.distance <= rule.maxDistance)) {
      reasons.push(`distance ${result.distance.toFixed(3)} > ${rule.maxDistance}`);
    }
  }
  if (probability < rule.minProbability) {
    reasons.push(`probability ${probability.toFixed(3)} < ${rule.minProbability}`);
  }
  if (reasons.length) {
    result.name = UNKNOWN;
    result.reason = reasons.join("; ");
  }
  return result;
}
