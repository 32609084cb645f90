/**
 * Per-embedder thresholds measured on LFW by `deno task calibrate` (src/identify/calibration.json):
 * the verification threshold, and the impostor distance distribution from which the open-set rule
 * takes its cut for a target false-accept rate. User models have no entry: commands then ask for
 * the threshold explicitly.
 */
import calibration from "./calibration.json" with { type: "json" };

/** What was measured for one embedder (and mirror-averaging setting). */
export interface EmbedderCalibration {
  /** Distance at or below which two faces are the same person (best accuracy on LFW pairs). */
  verifyThreshold: number;
  /** `[far, d]`: a fraction `far` of different-person pairs lie closer than `d`; far decreasing. */
  impostorQuantiles: [number, number][];
}

const TABLE = calibration.embedders as unknown as Record<string, EmbedderCalibration>;

/**
 * The calibration of an embedder by its stamped name with or without `--flip`, or undefined for
 * an embedder faceprint has not measured (a user's model).
 *
 * @example
 * calibrationFor("fused-v1", false)?.verifyThreshold;
 */
export function calibrationFor(embedder: string, flip: boolean): EmbedderCalibration | undefined {
  return TABLE[flip ? `${embedder}+flip` : embedder];
}

/**
 * The distance below which a fraction `far` of different-person pairs fall, interpolated
 * log-linearly in `far` between the measured quantiles (clamped to the measured range).
 *
 * @example
 * impostorDistance(calibrationFor("fused-v1", false)!, 1e-5);
 */
export function impostorDistance(c: EmbedderCalibration, far: number): number {
  const q = c.impostorQuantiles;
  if (far >= q[0][0]) return q[0][1];
  for (let i = 1; i < q.length; i++) {
    const [f1, d1] = q[i];
    if (far >= f1) {
      const [f0, d0] = q[i - 1];
      const t = (Math.log(far) - Math.log(f0)) / (Math.log(f1) - Math.log(f0));
      return d0 + t * (d1 - d0);
    }
  }
  return q[q.length - 1][1];
}

/**
 * The fraction of different-person pairs closer than `distance`: the inverse of
 * {@link impostorDistance}, log-linear between the measured quantiles; 1 beyond the largest
 * measured distance, the smallest measured fraction below the smallest (an upper bound).
 *
 * @example
 * impostorRate(calibrationFor("fused-v1", true)!, 0.6); // ≈ 1e-5
 */
export function impostorRate(c: EmbedderCalibration, distance: number): number {
  const q = c.impostorQuantiles;
  if (distance > q[0][1]) return 1;
  for (let i = 1; i < q.length; i++) {
    const [f1, d1] = q[i];
    if (distance >= d1) {
      const [f0, d0] = q[i - 1];
      const t = d0 === d1 ? 0 : (distance - d1) / (d0 - d1);
      return Math.exp(Math.log(f1) + t * (Math.log(f0) - Math.log(f1)));
    }
  }
  return q[q.length - 1][0];
}
