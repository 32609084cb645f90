/**
 * The `evaluate DATASET_DIR --report` page: the accuracy line, the open-set result, the confusion
 * matrix as a heat map, the per-person table, and every misclassified or unknown validation face.
 */
import type { ClassificationReport } from "../evaluate/classification_report.ts";
import {
  answerFacts,
  escapeHtml,
  type FaceAnswer,
  imageTag,
  numberSpan,
  percent,
  reportPage,
  summaryTable,
} from "./html.ts";
import { heatMap, linePlot, type LineSeries } from "./svg_plot.ts";
import { type FaceRequest, loadFaceThumbnails, THUMBNAIL_PX } from "./thumbnails.ts";

/** The numbers `evaluate DATASET_DIR --json` prints. */
export interface FoldersResults extends ClassificationReport {
  trainAccuracy: number;
  trainFaces: number;
  valFaces: number;
  imagesWithoutFace: number;
  rule: { minProbability: number; maxDistance: number };
  openSet: {
    method: string;
    maxDistance: number;
    namedRight: number;
    strangersAccepted: number;
    bestCut: { maxDistance: number; namedRight: number; strangersAccepted: number };
    curve: { maxDistance: number; namedRight: number; strangersAccepted: number }[];
  };
}

/** One validation face the page shows: misclassified, or answered unknown. */
export interface ValFaceView extends FaceAnswer {
  file: string;
  truth: string;
  /** The open-set answer (a name or "unknown"). */
  answer: string;
  /** Whether the answer is right (unknown is right for a person not enrolled). */
  right: boolean;
  thumb?: string;
}

/** Everything the page shows. */
export interface FoldersReportInput {
  command: string;
  results: FoldersResults;
  /** The misclassified and unknown faces, in file order. */
  faces: ValFaceView[];
  /** How many of the first faces are shown with a thumbnail (the rest in a table). */
  withThumbnails: number;
}

/** Faces shown with thumbnails at most; the rest are listed as text. */
export const MAX_THUMBNAIL_FACES = 200;

const count = (v: number): string => String(v);
const fixed4 = (v: number): string => v.toFixed(4);
const pct3 = (v: number): string => (v * 100).toFixed(3);

/**
 * The train/val classification report as one HTML page, each number tagged with its `--json`
 * key (`testAccuracy`, `rows.2.correct`, `matrix.1.0`, ...).
 *
 * @example
 * await writeReport("val.html", foldersReportHtml({ command, results, faces, withThumbnails }));
 */
export function foldersReportHtml(input: FoldersReportInput): string {
  const r = input.results;
  const accuracy = `<p style="font-size:1.25em">Accuracy: train=${
    numberSpan("trainAccuracy", r.trainAccuracy, pct3)
  }, test=${numberSpan("testAccuracy", r.testAccuracy, pct3)}</p>`;
  const summary = summaryTable([
    ["Training faces", numberSpan("trainFaces", r.trainFaces, count)],
    ["Validation faces", numberSpan("valFaces", r.valFaces, count)],
    [
      "Images skipped (unreadable or no face)",
      numberSpan("imagesWithoutFace", r.imagesWithoutFace, count),
    ],
    ["Open-set method", escapeHtml(r.openSet.method)],
    ["Distance cut", numberSpan("rule.maxDistance", r.rule.maxDistance, fixed4)],
    [
      "SVM min probability (0: none)",
      numberSpan("rule.minProbability", r.rule.minProbability, String),
    ],
    [
      "Enrolled people's faces named right at the cut",
      numberSpan("openSet.namedRight", r.openSet.namedRight, percent),
    ],
    [
      "Strangers' faces named as someone at the cut",
      numberSpan("openSet.strangersAccepted", r.openSet.strangersAccepted, percent),
    ],
    [
      "Best cut in hindsight",
      numberSpan("openSet.bestCut.maxDistance", r.openSet.bestCut.maxDistance, fixed4),
    ],
    [
      "… named right / strangers named there",
      `${numberSpan("openSet.bestCut.namedRight", r.openSet.bestCut.namedRight, percent)} / ${
        numberSpan(
          "openSet.bestCut.strangersAccepted",
          r.openSet.bestCut.strangersAccepted,
          percent,
        )
      }`,
    ],
    ["Validation faces answered unknown", numberSpan("unknown.total", r.unknown.total, count)],
    [
      "… by the probability rule",
      numberSpan("unknown.byProbability", r.unknown.byProbability, count),
    ],
    ["… by the distance rule", numberSpan("unknown.byDistance", r.unknown.byDistance, count)],
    ["Open-set accuracy", numberSpan("openSetAccuracy", r.openSetAccuracy, percent)],
  ]);
  const heat = heatMap(r.truths, r.labels, r.matrix, "true person", "answer (open set)");
  const people =
    `<table><tr><th>person</th><th class="n">faces</th><th class="n">correct (SVM)</th><th class="n">unknown</th><th class="n">open-set correct</th></tr>${
      r.rows.map((row, i) =>
        `<tr><td>${escapeHtml(row.person)}</td>${
          (["faces", "correct", "unknown", "openSetCorrect"] as const).map((k) =>
            `<td class="n">${numberSpan(`rows.${i}.${k}`, row[k], count)}</td>`
          ).join("")
        }</tr>`
      ).join("")
    }</table>`;
  return reportPage("faceprint classification report", input.command, [
    accuracy,
    summary,
    openSetSection(r.openSet),
    `<h2>Confusion matrix</h2><figure>${heat}<figcaption>Rows: the person in the photo; columns: the answer. Shade: share of the row.</figcaption></figure>`,
    `<h2>Per person</h2>${people}`,
    facesSection(input.faces, input.withThumbnails),
  ]);
}

/** The open-set curve: faces named right and strangers named, against the distance cut. */
function openSetSection(openSet: FoldersResults["openSet"]): string {
  if (!openSet.curve.length) return "";
  const series: LineSeries[] = [
    {
      label: "enrolled faces named right",
      kind: "same",
      points: openSet.curve.map((p) => ({ x: p.maxDistance, y: p.namedRight })),
    },
  ];
  if (openSet.curve.some((p) => Number.isFinite(p.strangersAccepted))) {
    series.push({
      label: "strangers named as someone",
      kind: "diff",
      points: openSet.curve.map((p) => ({ x: p.maxDistance, y: p.strangersAccepted })),
    });
  }
  const plot = linePlot(
    series,
    [
      { value: openSet.maxDistance, label: `cut ${fixed4(openSet.maxDistance)}`, kind: "default" },
      {
        value: openSet.bestCut.maxDistance,
        label: `best ${fixed4(openSet.bestCut.maxDistance)}`,
        kind: "chosen",
      },
    ],
    "distance cut (Euclidean between embeddings)",
    "fraction of validation faces",
  );
  return `<h2>Open set: where the cut sits</h2><figure>${plot}<figcaption>A face is named when it is within the cut of its closest person's enrolled faces; ${openSet.curve.length} cuts (the --json openSet.curve).</figcaption></figure>`;
}

function describe(f: ValFaceView): string {
  return `${escapeHtml(f.truth)} → <span class="${f.right ? "" : "wrong"}">${
    escapeHtml(f.answer)
  } (${f.right ? "right" : "wrong"})</span><br>${answerFacts(f)}`;
}

function facesSection(faces: ValFaceView[], shownCount: number): string {
  const head = `<h2>Misclassified or unknown faces: ${faces.length}</h2>`;
  if (!faces.length) return `${head}<p>None.</p>`;
  const cards = faces.slice(0, shownCount).map((f) =>
    `<div class="card">${imageTag(f.thumb, f.file, THUMBNAIL_PX)}<br>${describe(f)}<br>${
      escapeHtml(f.file)
    }</div>`
  ).join("");
  const rest = faces.slice(shownCount);
  const table = rest.length
    ? `<p>${rest.length} more (thumbnails left out to keep the page small):</p><table>${
      rest.map((f) => `<tr><td>${describe(f)}</td><td>${escapeHtml(f.file)}</td></tr>`).join("")
    }</table>`
    : "";
  return `${head}<div class="cards">${cards}</div>${table}`;
}

/**
 * Adds thumbnails to the first `max` faces (`boxes` gives each file's face box).
 *
 * @example
 * const faces = await thumbnailFaces(wrong, boxes);
 */
export async function thumbnailFaces(
  faces: ValFaceView[],
  boxes: Map<string, FaceRequest["box"]>,
  max = MAX_THUMBNAIL_FACES,
): Promise<ValFaceView[]> {
  const shown = faces.slice(0, max).filter((f) => boxes.has(f.file));
  const thumbs = await loadFaceThumbnails(
    shown.map((f) => ({ file: f.file, box: boxes.get(f.file)! })),
  );
  const byFile = new Map(shown.map((f, i) => [f.file, thumbs[i]]));
  return faces.map((f, i) => (i < max ? { ...f, thumb: byFile.get(f.file) } : f));
}
