/**
 * The report's plots as inline SVG strings, drawn by hand: a ROC curve on a log false-accept
 * axis, two overlaid distance histograms with threshold lines, and a confusion-matrix heat map.
 * Colours come from CSS classes of the page (`same`, `diff`, `chosen`, `default`, `grid`,
 * `axis`), so the plots follow its light/dark palette and print.
 */
import { escapeHtml } from "./html.ts";

/** Plot size and margins in SVG user units (CSS pixels at 100%). */
const W = 520, H = 340, LEFT = 58, RIGHT = 16, TOP = 16, BOTTOM = 48;

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** A map from data values to pixels along one axis. */
export interface Scale {
  (value: number): number;
  ticks: { value: number; label: string }[];
}

/**
 * A linear scale from [d0, d1] onto [r0, r1] with about `count` round ticks.
 *
 * @example
 * const x = linearScale(0, 2, 0, 400, 4); x(1); // 200
 */
export function linearScale(d0: number, d1: number, r0: number, r1: number, count = 5): Scale {
  const span = d1 - d0 || 1;
  const scale = ((v: number) => r0 + (v - d0) / span * (r1 - r0)) as Scale;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  let decimals = 0;
  while (Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-9) decimals++;
  scale.ticks = [];
  for (let v = Math.ceil(d0 / step - 1e-9) * step; v <= d1 + step * 1e-9; v += step) {
    const value = Math.round(v / step) * step + 0; // + 0 turns -0 into 0
    scale.ticks.push({ value, label: value.toFixed(decimals) });
  }
  return scale;
}

/**
 * A base-10 log scale from [d0, d1] (both > 0) onto [r0, r1], one tick per power of ten.
 *
 * @example
 * const x = logScale(1e-3, 1, 0, 300); x(1e-2); // 100
 */
export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const l0 = Math.log10(d0), l1 = Math.log10(d1);
  const scale = ((v: number) => r0 + (Math.log10(v) - l0) / (l1 - l0) * (r1 - r0)) as Scale;
  scale.ticks = [];
  for (let e = Math.ceil(l0 - 1e-9); e <= Math.floor(l1 + 1e-9); e++) {
    scale.ticks.push({ value: 10 ** e, label: e === 0 ? "1" : `1e${e}` });
  }
  return scale;
}

/** Axes, grid lines, tick labels and axis titles for a plot with scales x and y. */
function frame(x: Scale, y: Scale, xTitle: string, yTitle: string): string {
  const parts: string[] = [];
  for (const t of x.ticks) {
    const px = f1(x(t.value));
    parts.push(
      `<line class="grid" x1="${px}" x2="${px}" y1="${TOP}" y2="${H - BOTTOM}"/>`,
      `<text x="${px}" y="${H - BOTTOM + 16}" text-anchor="middle">${t.label}</text>`,
    );
  }
  for (const t of y.ticks) {
    const py = f1(y(t.value));
    parts.push(
      `<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${py}" y2="${py}"/>`,
      `<text x="${LEFT - 6}" y="${py}" dy="4" text-anchor="end">${t.label}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${H - BOTTOM}" y2="${H - BOTTOM}"/>`,
    `<line class="axis" x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${H - BOTTOM}"/>`,
    `<text x="${(LEFT + W - RIGHT) / 2}" y="${H - 8}" text-anchor="middle">${
      escapeHtml(xTitle)
    }</text>`,
    `<text transform="translate(14 ${(TOP + H - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">${
      escapeHtml(yTitle)
    }</text>`,
  );
  return parts.join("");
}

function svg(label: string, body: string, width = W, height = H): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${
    escapeHtml(label)
  }"><title>${escapeHtml(label)}</title>${body}</svg>`;
}

/** One ROC point: true-accept rate at a false-accept rate. */
export interface RocSample {
  far: number;
  tar: number;
}

/** A marked operating point on the ROC plot (e.g. TAR at FAR 1e-3). */
export interface RocMark extends RocSample {
  label: string;
}

/**
 * The ROC curve as a step line on a log-scale FAR axis (from the smallest non-zero FAR a set of
 * `negatives` different-person pairs can show, 1/negatives, rounded down to a power of ten, to 1)
 * against TAR (0–1), with `marks` drawn as labelled points. Points with FAR 0 sit on the left
 * edge. At most `maxPoints` points are drawn (the curve is thinned evenly in FAR order, keeping
 * the first and last).
 *
 * @example
 * rocPlot([{ far: 0, tar: 0 }, { far: 0.01, tar: 0.9 }, { far: 1, tar: 1 }], 100,
 *   [{ far: 0.01, tar: 0.9, label: "TAR@FAR=1e-2" }]);
 */
export function rocPlot(
  points: RocSample[],
  negatives: number,
  marks: RocMark[],
  maxPoints = 400,
): string {
  const minFar = 10 ** Math.floor(Math.log10(1 / Math.max(1, negatives)));
  const x = logScale(Math.min(minFar, 0.1), 1, LEFT, W - RIGHT);
  const y = linearScale(0, 1, H - BOTTOM, TOP, 5);
  const at = (p: RocSample) => `${f1(x(Math.max(p.far, x.ticks[0].value)))},${f1(y(p.tar))}`;
  const kept = thin(points, maxPoints);
  const steps: string[] = [];
  kept.forEach((p, i) => {
    if (i > 0) steps.push(at({ far: p.far, tar: kept[i - 1].tar }));
    steps.push(at(p));
  });
  const legendX = W - RIGHT - 190, legendY = H - BOTTOM - 14 - 18 * marks.length;
  const markSvg = marks.map((m, i) => {
    const [px, py] = at(m).split(",");
    const kind = i % 2 ? "default" : "chosen";
    return `<g class="${kind}" data-far="${m.far}" data-tar="${m.tar}">` +
      `<circle cx="${px}" cy="${py}" r="5"/><circle cx="${legendX}" cy="${
        legendY + 18 * i
      }" r="5"/><text x="${legendX + 10}" y="${legendY + 18 * i + 4}">${
        escapeHtml(m.label)
      }</text></g>`;
  }).join("");
  return svg(
    "ROC curve: true-accept rate against false-accept rate (log scale)",
    frame(
      x,
      y,
      "false-accept rate (different-person pairs accepted, log scale)",
      "true-accept rate",
    ) +
      `<polyline class="same curve" stroke-width="2" points="${steps.join(" ")}"/>` +
      `<g class="marks">${markSvg}</g>`,
  );
}

/** Every k-th point so at most `max` remain, always keeping the first and the last. */
function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

/** A vertical line on the histogram plot. */
export interface ThresholdLine {
  value: number;
  label: string;
  /** CSS class: `chosen` or `default`. */
  kind: "chosen" | "default";
}

/** Vertical labelled lines at each threshold (dashed for the default) across the plot area. */
function thresholdLines(lines: ThresholdLine[], x: Scale): string {
  return lines.map((t, i) => {
    const px = f1(x(t.value));
    return `<g class="${t.kind}" data-threshold="${t.value}"><line x1="${px}" x2="${px}" y1="${TOP}" y2="${
      H - BOTTOM
    }" stroke-width="2" stroke-dasharray="${t.kind === "default" ? "6 4" : "none"}"/>` +
      `<text x="${Number(px) + 4}" y="${TOP + 12 + i * 16}" stroke="none">${
        escapeHtml(t.label)
      }</text></g>`;
  }).join("");
}

/** Counts of `values` in `bins` equal bins over [lo, hi); values outside go to the end bins. */
export function binCounts(values: number[], lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const i = Math.floor((v - lo) / (hi - lo) * bins);
    counts[Math.min(bins - 1, Math.max(0, i))]++;
  }
  return counts;
}

/**
 * Histograms of same-person and different-person distances (finite values only) over the range
 * they span, overlaid as translucent bars, with vertical threshold lines. Each bar carries its
 * count (`data-count`) and its series (`data-series="same"|"different"`).
 *
 * @example
 * distanceHistograms([0.2, 0.3], [0.7, 0.9], [{ value: 0.43, label: "default 0.43", kind: "default" }]);
 */
export function distanceHistograms(
  same: number[],
  different: number[],
  thresholds: ThresholdLine[],
  bins = 40,
): string {
  const all = [...same, ...different, ...thresholds.map((t) => t.value)].filter(Number.isFinite);
  const lo = Math.floor(Math.min(...all, 0) * 10) / 10;
  const hi = Math.ceil(Math.max(...all, 1) * 10) / 10;
  const sameCounts = binCounts(same.filter(Number.isFinite), lo, hi, bins);
  const diffCounts = binCounts(different.filter(Number.isFinite), lo, hi, bins);
  const x = linearScale(lo, hi, LEFT, W - RIGHT, 6);
  const y = linearScale(0, Math.max(1, ...sameCounts, ...diffCounts), H - BOTTOM, TOP, 5);
  y.ticks = y.ticks.filter((t) => Number.isInteger(t.value)).map((t) => ({
    value: t.value,
    label: String(t.value),
  }));
  const barW = (W - RIGHT - LEFT) / bins;
  const bars = (counts: number[], series: "same" | "different") =>
    counts.map((c, i) =>
      c === 0 ? "" : `<rect class="${series === "same" ? "same" : "diff"}" fill-opacity="0.55" ` +
        `stroke-width="0.5" data-series="${series}" data-count="${c}" x="${
          f1(LEFT + i * barW)
        }" y="${f1(y(c))}" width="${f1(barW)}" height="${f1(y(0) - y(c))}"/>`
    ).join("");
  const lines = thresholdLines(thresholds, x);
  const legend = `<g transform="translate(${W - RIGHT - 150} ${TOP + 40})">` +
    `<rect class="same" fill-opacity="0.55" width="12" height="12"/><text x="18" y="11">same person (${same.length})</text>` +
    `<rect class="diff" fill-opacity="0.55" y="18" width="12" height="12"/><text x="18" y="29">different (${different.length})</text></g>`;
  return svg(
    "Histograms of same-person and different-person distances",
    frame(x, y, "distance between embeddings (Euclidean, unit vectors)", "pairs") +
      bars(diffCounts, "different") + bars(sameCounts, "same") + lines + legend,
  );
}

/**
 * A heat map of `matrix[row][col]` (e.g. a confusion matrix): each cell's shade is its share of
 * its row, and shows its count. Labels are escaped; long ones are cut to 14 characters (the full
 * name is the cell's tooltip).
 *
 * @example
 * heatMap(["amy", "raj"], ["amy", "raj", "unknown"], [[4, 0, 1], [0, 5, 0]], "true person", "answer");
 */
export function heatMap(
  rows: string[],
  cols: string[],
  matrix: number[][],
  rowTitle: string,
  colTitle: string,
): string {
  const cell = Math.max(22, Math.min(44, Math.floor(560 / Math.max(1, cols.length))));
  const left = 120, top = 110;
  const width = left + cols.length * cell + 10, height = top + rows.length * cell + 10;
  const cut = (s: string) => escapeHtml(s.length > 14 ? s.slice(0, 13) + "…" : s);
  const parts: string[] = [
    `<text x="${left + cols.length * cell / 2}" y="14" text-anchor="middle">${
      escapeHtml(colTitle)
    }</text>`,
    `<text transform="translate(12 ${
      top + rows.length * cell / 2
    }) rotate(-90)" text-anchor="middle">${escapeHtml(rowTitle)}</text>`,
  ];
  cols.forEach((c, j) => {
    const cx = left + j * cell + cell / 2;
    parts.push(
      `<text transform="translate(${cx + 4} ${top - 6}) rotate(-60)">${cut(c)}</text>`,
    );
  });
  rows.forEach((r, i) => {
    const total = matrix[i].reduce((s, v) => s + v, 0) || 1;
    parts.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${
        cut(r)
      }</text>`,
    );
    matrix[i].forEach((v, j) => {
      const share = v / total;
      const x0 = left + j * cell, y0 = top + i * cell;
      parts.push(
        `<rect x="${x0}" y="${y0}" width="${cell}" height="${cell}" style="fill: rgba(var(--heat), ${
          (Math.round(share * 100) / 100).toString()
        })" class="grid" data-row="${escapeHtml(r)}" data-col="${escapeHtml(cols[j])}" ` +
          `data-count="${v}"><title>${escapeHtml(`${r} → ${cols[j]}: ${v}`)}</title></rect>`,
      );
      if (v) {
        parts.push(
          `<text class="cell-text${share > 0.55 ? " light" : ""}" x="${x0 + cell / 2}" y="${
            y0 + cell / 2 + 4
          }" text-anchor="middle">${v}</text>`,
        );
      }
    });
  });
  return svg(`Heat map: ${rowTitle} by ${colTitle}`, parts.join(""), width, height);
}

/** One line of a {@link linePlot}: points and the CSS class that colours it. */
export interface LineSeries {
  label: string;
  kind: "same" | "diff";
  points: { x: number; y: number }[];
}

/**
 * Lines of fractions (0–1) against a value (e.g. the distance cut), with vertical marker lines.
 * Each line carries `data-series` (its label) and its points; each marker `data-threshold`.
 *
 * @example
 * linePlot([{ label: "named right", kind: "same", points }], [{ value: 0.62, label: "cut", kind: "chosen" }],
 *   "distance cut", "fraction of faces");
 */
export function linePlot(
  series: LineSeries[],
  markers: ThresholdLine[],
  xTitle: string,
  yTitle: string,
): string {
  const xs = [...series.flatMap((l) => l.points.map((p) => p.x)), ...markers.map((m) => m.value)]
    .filter(Number.isFinite);
  const lo = Math.floor(Math.min(...xs, 1) * 10) / 10, hi = Math.ceil(Math.max(...xs, 0) * 10) / 10;
  const x = linearScale(lo, hi, LEFT, W - RIGHT, 6);
  const y = linearScale(0, 1, H - BOTTOM, TOP, 5);
  const lines = series.map((l) =>
    `<polyline class="${l.kind} curve" stroke-width="2" data-series="${
      escapeHtml(l.label)
    }" points="${
      l.points.filter((p) => Number.isFinite(p.y)).map((p) => `${f1(x(p.x))},${f1(y(p.y))}`)
        .join(" ")
    }"/>`
  ).join("");
  const marks = thresholdLines(markers, x);
  const legend = `<g transform="translate(${W - RIGHT - 200} ${H - BOTTOM - 44})">${
    series.map((l, i) =>
      `<line class="${l.kind}" x1="0" x2="14" y1="${i * 18 + 6}" y2="${
        i * 18 + 6
      }" stroke-width="3"/>` +
      `<text x="20" y="${i * 18 + 10}">${escapeHtml(l.label)}</text>`
    ).join("")
  }</g>`;
  return svg(`${yTitle} against ${xTitle}`, frame(x, y, xTitle, yTitle) + lines + marks + legend);
}
