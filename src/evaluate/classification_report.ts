/**
 * Closed- and open-set results of classifying a validation set: accuracy, a per-person table and a
 * confusion matrix. Pure: it counts outcomes it is given.
 */

/** One validation face: its true person, the SVM's label, and the open-set answer. */
export interface ValOutcome {
  truth: string;
  predicted: string;
  /** The open-set answer: a person or "unknown". */
  answer: string;
  /** Why the answer is unknown (when it is). */
  reason?: string;
}

/** Per-person counts. */
export interface PersonRow {
  person: string;
  /** Validation faces of this person. */
  faces: number;
  /** Closed-set: the SVM's label was right. */
  correct: number;
  /** Open-set: answered unknown. */
  unknown: number;
  /** Open-set: answered with the right name (or unknown for people not enrolled). */
  openSetCorrect: number;
}

/** The whole report. */
export interface ClassificationReport {
  /** Closed-set accuracy on faces of enrolled people (the tutorial's "test" figure), 0..1. */
  testAccuracy: number;
  /** Open-set accuracy over all faces: right name, or unknown for people not enrolled, 0..1. */
  openSetAccuracy: number;
  unknown: { total: number; byProbability: number; byDistance: number };
  rows: PersonRow[];
  /** Labels of the matrix: enrolled classes, then "unknown" when it occurs. */
  labels: string[];
  /** `matrix[t][p]`: faces of true label t answered p (open-set answers; unenrolled truth → its own row). */
  matrix: number[][];
  /** Row labels of the matrix (true people, enrolled or not). */
  truths: string[];
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Builds the report. `enrolled` are the classes the SVM knows; a face whose truth is not enrolled
 * is right only when answered unknown.
 *
 * @example
 * const report = classificationReport(outcomes, ["amy", "raj"]);
 */
export function classificationReport(
  outcomes: ValOutcome[],
  enrolled: string[],
): ClassificationReport {
  const known = new Set(enrolled);
  const truths = [...new Set(outcomes.map((o) => o.truth))].sort(byCodePoint);
  const answers = new Set(outcomes.map((o) => o.answer));
  const labels = [...enrolled].sort(byCodePoint);
  if (answers.has("unknown")) labels.push("unknown");
  const matrix = truths.map(() => labels.map(() => 0));
  const rows = truths.map((person): PersonRow => ({
    person,
    faces: 0,
    correct: 0,
    unknown: 0,
    openSetCorrect: 0,
  }));
  let closedRight = 0, closedTotal = 0, openRight = 0;
  const unknown = { total: 0, byProbability: 0, byDistance: 0 };
  for (const o of outcomes) {
    const t = truths.indexOf(o.truth);
    const row = rows[t];
    row.faces++;
    matrix[t][labels.indexOf(o.answer)]++;
    if (known.has(o.truth)) {
      closedTotal++;
      if (o.predicted === o.truth) (closedRight++, row.correct++);
    }
    const expected = known.has(o.truth) ? o.truth : "unknown";
    if (o.answer === expected) (openRight++, row.openSetCorrect++);
    if (o.answer === "unknown") {
      row.unknown++;
      unknown.total++;
      if (o.reason?.includes("probability")) unknown.byProbability++;
      if (o.reason?.includes("distance")) unknown.byDistance++;
    }
  }
  return {
    testAccuracy: closedTotal ? closedRight / closedTotal : NaN,
    openSetAccuracy: outcomes.length ? openRight / outcomes.length : NaN,
    unknown,
    rows,
    labels,
    matrix,
    truths,
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** The report as aligned text tables (per person, then the confusion matrix). */
export function formatReport(report: ClassificationReport): string {
  const w = Math.max(8, ...report.truths.map((t) => t.length)) + 2;
  // Each column as wide as its full name (names are never cut) or its largest count, plus 2.
  const widths = report.labels.map((l, j) =>
    Math.max(l.length, ...report.matrix.map((row) => String(row[j]).length)) + 2
  );
  const lines = [
    pad("person", w) + "faces  correct  unknown  open-set-correct",
    ...report.rows.map((r) =>
      pad(r.person, w) + pad(String(r.faces), 7) + pad(String(r.correct), 9) +
      pad(String(r.unknown), 9) +
      r.openSetCorrect
    ),
    "",
    "Confusion matrix (rows: true person, columns: answer)",
    pad("", w) + report.labels.map((l, j) => pad(l, widths[j])).join(""),
    ...report.truths.map((t, i) =>
      pad(t, w) + report.matrix[i].map((n, j) => pad(String(n), widths[j])).join("")
    ),
  ];
  return lines.join("\n");
}
