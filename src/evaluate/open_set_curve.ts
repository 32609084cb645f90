/**
 * The open-set trade-off of an identification run: as the distance cut grows, more enrolled
 * people's faces are named right and more strangers are taken for someone. Pure: it sorts the
 * answers it is given.
 */

/** One validation face's best guess. */
export interface ScoredProbe {
  /** The face's person is enrolled. */
  enrolled: boolean;
  /** The candidate (nearest person or SVM answer) is the face's person. */
  candidateRight: boolean;
  /** Distance to the candidate's nearest enrolled face. */
  distance: number;
}

/** The rates at one cut. */
export interface OpenSetPoint {
  maxDistance: number;
  /** Fraction of enrolled people's faces named right (candidate right, within the cut). */
  namedRight: number;
  /** Fraction of strangers' faces named as someone (within the cut). */
  strangersAccepted: number;
}

/**
 * The rates at `cut`.
 *
 * @example
 * openSetPoint(probes, 0.75); // { maxDistance: 0.75, namedRight: 0.99, strangersAccepted: 0.01 }
 */
export function openSetPoint(probes: readonly ScoredProbe[], cut: number): OpenSetPoint {
  let enrolled = 0, named = 0, strangers = 0, accepted = 0;
  for (const p of probes) {
    if (p.enrolled) {
      enrolled++;
      if (p.candidateRight && p.distance <= cut) named++;
    } else {
      strangers++;
      if (p.distance <= cut) accepted++;
    }
  }
  return {
    maxDistance: cut,
    namedRight: enrolled ? named / enrolled : NaN,
    strangersAccepted: strangers ? accepted / strangers : NaN,
  };
}

/**
 * The curve at `points` cuts evenly spaced over the probes' distances (finite ones), ascending.
 *
 * @example
 * openSetCurve(probes, 20).map((p) => [p.strangersAccepted, p.namedRight]);
 */
export function openSetCurve(probes: readonly ScoredProbe[], points = 40): OpenSetPoint[] {
  const distances = probes.map((p) => p.distance).filter(Number.isFinite).sort((a, b) => a - b);
  if (!distances.length) return [];
  const lo = distances[0], hi = distances[distances.length - 1];
  const cuts = Array.from({ length: points }, (_, i) => lo + (hi - lo) * i / (points - 1));
  return cuts.map((cut) => openSetPoint(probes, Number(cut.toFixed(4))));
}

/**
 * The cut with the most right answers (enrolled faces named right plus strangers unknown), the
 * best any fixed cut could have done on these probes (chosen after the fact).
 */
export function bestCut(probes: readonly ScoredProbe[]): OpenSetPoint {
  const cuts = [...new Set(probes.map((p) => p.distance).filter(Number.isFinite))];
  let best = openSetPoint(probes, 0);
  let bestRight = -1;
  const enrolled = probes.filter((p) => p.enrolled).length;
  for (const cut of cuts) {
    const point = openSetPoint(probes, cut);
    const strangers = probes.length - enrolled;
    const right = (point.namedRight || 0) * enrolled +
      (1 - (point.strangersAccepted || 0)) * strangers;
    if (right > bestRight) (bestRight = right, best = point);
  }
  return best;
}
