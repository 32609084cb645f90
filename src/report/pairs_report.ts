/** The `evaluate --pairs --report` page: summary, ROC, distance histograms, folds, failed pairs. */
import { rocCurve, type ScoredPair } from "../evaluate/verification_metrics.ts";
import { escapeHtml, imageTag, numberSpan, percent, reportPage, summaryTable } from "./html.ts";
import { distanceHistograms, rocPlot, type ThresholdLine } from "./svg_plot.ts";
import { type FaceRequest, loadFaceThumbnails, THUMBNAIL_PX } from "./thumbnails.ts";

/** The numbers `evaluate --pairs --json` prints (the page shows each with its key). */
export interface PairsResults {
  pairs: number;
  images: number;
  imagesWithoutFace: number;
  pairsWithoutFace: number;
  folds: number;
  kFoldAccuracy: number;
  kFoldStd: number;
  embedder: string;
  threshold: number | null;
  accuracyAtThreshold: number | null;
  bestThreshold: number;
  bestAccuracy: number;
  rocAuc: number;
  equalErrorRate: number;
  tarAtFar1e3: number;
  tarAtFar1e2: number;
  foldResults: { fold: number; pairs: number; threshold: number; accuracy: number }[];
}

/** A pair the threshold got wrong, with the two face thumbnails when there are any. */
export interface FailedPairView {
  a: string;
  b: string;
  same: boolean;
  distance: number | null;
  thumbA?: string;
  thumbB?: string;
}

/** Everything the page shows. */
export interface PairsReportInput {
  /** The command line, shown under the title. */
  command: string;
  results: PairsResults;
  /** Every scored pair (distance Infinity when an image had no face). */
  scored: ScoredPair[];
  /** The threshold failures are counted at (the calibrated one, else the best). */
  threshold: number;
  /** Every failed pair, in output order. */
  failed: FailedPairView[];
  /** How many of the first failed pairs are shown as thumbnails (the rest as a table). */
  withThumbnails: number;
}

const fixed4 = (v: number): string => v.toFixed(4);
const count = (v: number): string => String(v);

/**
 * The verification report as one HTML page: the `--json` numbers (each tagged with its key),
 * the ROC curve with TAR at FAR 1e-3 and 1e-2 marked, same/different distance histograms with the
 * chosen (best) and default thresholds, the per-fold table, and the failed pairs as thumbnails
 * side by side (those without thumbnails listed as text, with their count).
 *
 * @example
 * await Deno.writeTextFile("lfw.html", pairsReportHtml(input));
 */
export function pairsReportHtml(input: PairsReportInput): string {
  const { results: r, scored, failed } = input;
  const negatives = scored.filter((p) => !p.same).length;
  const summary = summaryTable([
    ["Embedder", escapeHtml(r.embedder)],
    ["Pairs", numberSpan("pairs", r.pairs, count)],
    ["Images", numberSpan("images", r.images, count)],
    ["Images without a face", numberSpan("imagesWithoutFace", r.imagesWithoutFace, count)],
    [
      "Pairs with an image without a face",
      numberSpan("pairsWithoutFace", r.pairsWithoutFace, count),
    ],
    ["Folds", numberSpan("folds", r.folds, count)],
    ["k-fold accuracy", numberSpan("kFoldAccuracy", r.kFoldAccuracy, percent)],
    ["k-fold standard deviation", numberSpan("kFoldStd", r.kFoldStd, percent)],
    ["Default threshold", numberSpan("threshold", r.threshold, String)],
    [
      "Accuracy at the default threshold",
      numberSpan("accuracyAtThreshold", r.accuracyAtThreshold, percent),
    ],
    ["Best threshold (chosen)", numberSpan("bestThreshold", r.bestThreshold, fixed4)],
    ["Accuracy at the best threshold", numberSpan("bestAccuracy", r.bestAccuracy, percent)],
    ["ROC AUC", numberSpan("rocAuc", r.rocAuc, fixed4)],
    ["Equal error rate", numberSpan("equalErrorRate", r.equalErrorRate, percent)],
    ["TAR at FAR 1e-3", numberSpan("tarAtFar1e3", r.tarAtFar1e3, percent)],
    ["TAR at FAR 1e-2", numberSpan("tarAtFar1e2", r.tarAtFar1e2, percent)],
  ]);
  const roc = rocPlot(rocCurve(scored), negatives, [
    { far: 1e-3, tar: r.tarAtFar1e3, label: `TAR@FAR=1e-3: ${percent(r.tarAtFar1e3)}` },
    { far: 1e-2, tar: r.tarAtFar1e2, label: `TAR@FAR=1e-2: ${percent(r.tarAtFar1e2)}` },
  ]);
  const lines: ThresholdLine[] = [
    { value: r.bestThreshold, label: `chosen ${fixed4(r.bestThreshold)}`, kind: "chosen" },
  ];
  if (r.threshold !== null) {
    lines.push({ value: r.threshold, label: `default ${r.threshold}`, kind: "default" });
  }
  const histograms = distanceHistograms(
    scored.filter((p) => p.same).map((p) => p.distance),
    scored.filter((p) => !p.same).map((p) => p.distance),
    lines,
  );
  const foldRows = r.foldResults.map((f) =>
    `<tr><td class="n">${f.fold + 1}</td><td class="n">${f.pairs}</td><td class="n">${
      numberSpan(`foldResults.${f.fold}.threshold`, f.threshold, fixed4)
    }</td><td class="n">${
      numberSpan(`foldResults.${f.fold}.accuracy`, f.accuracy, percent)
    }</td></tr>`
  ).join("");
  const folds = r.foldResults.length
    ? `<table><tr><th class="n">fold</th><th class="n">pairs</th><th class="n">threshold (chosen on the other folds)</th><th class="n">accuracy</th></tr>${foldRows}</table>`
    : `<p class="muted">The pairs form one fold: no k-fold results.</p>`;
  return reportPage("faceprint verification report", input.command, [
    summary,
    `<h2>ROC curve and distances</h2><div class="plots"><figure>${roc}<figcaption>Each point: a threshold; ${negatives} different-person pairs, ${
      scored.length - negatives
    } same-person pairs. FAR 0 is drawn at the left edge.</figcaption></figure><figure>${histograms}<figcaption>A pair is called "same" when its distance is at most the threshold. Pairs with a face missing are not drawn.</figcaption></figure></div>`,
    `<h2>Folds</h2>${folds}`,
    failedSection(failed, input.withThumbnails, input.threshold),
  ]);
}

function failedSection(failed: FailedPairView[], shownCount: number, threshold: number): string {
  const head = `<h2>Failed pairs: ${
    numberSpan("failedPairs.length", failed.length, count)
  } at threshold ${threshold.toFixed(4)}</h2>`;
  if (!failed.length) return `${head}<p>None.</p>`;
  const shown = failed.slice(0, shownCount);
  const cards = shown.map((f) => {
    const truth = f.same ? "same person, called different" : "different people, called same";
    const distance = f.distance === null ? "no face" : f.distance.toFixed(4);
    return `<div class="card">${imageTag(f.thumbA, f.a, THUMBNAIL_PX)} ${
      imageTag(f.thumbB, f.b, THUMBNAIL_PX)
    }<br><b>${distance}</b> <span class="wrong">${truth}</span><br>${escapeHtml(f.a)}<br>${
      escapeHtml(f.b)
    }</div>`;
  }).join("");
  const rest = failed.slice(shown.length);
  const restTable = rest.length
    ? `<p>${rest.length} more failed pairs (thumbnails left out to keep the page small):</p><table><tr><th class="n">distance</th><th>truth</th><th>a</th><th>b</th></tr>${
      rest.map((f) =>
        `<tr><td class="n">${f.distance === null ? "no face" : f.distance.toFixed(4)}</td><td>${
          f.same ? "same" : "different"
        }</td><td>${escapeHtml(f.a)}</td><td>${escapeHtml(f.b)}</td></tr>`
      ).join("")
    }</table>`
    : "";
  return `${head}<div class="cards">${cards}</div>${restTable}`;
}

/** Failed pairs shown with thumbnails at most (200 face images of ~3 KB); the rest as text. */
export const MAX_THUMBNAIL_PAIRS = 100;

/**
 * Adds face thumbnails to the first `max` failed pairs. `faceOf` gives the image file and face
 * box of a pair's path (undefined when that image had no face).
 *
 * @example
 * const failed = await thumbnailPairs(failedPairs, (p) => faces.get(p));
 */
export async function thumbnailPairs(
  failed: Omit<FailedPairView, "thumbA" | "thumbB">[],
  faceOf: (path: string) => FaceRequest | undefined,
  max = MAX_THUMBNAIL_PAIRS,
): Promise<FailedPairView[]> {
  const shown = failed.slice(0, max);
  const requests = shown.flatMap((f) => [f.a, f.b].map(faceOf));
  const found = requests.filter((r): r is FaceRequest => r !== undefined);
  const thumbs = await loadFaceThumbnails(found);
  let next = 0;
  const uris = requests.map((r) => (r ? thumbs[next++] : undefined));
  return failed.map((f, i) =>
    i < shown.length ? { ...f, thumbA: uris[2 * i], thumbB: uris[2 * i + 1] } : { ...f }
  );
}
