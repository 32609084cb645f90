/**
 * The HTML shell every report shares: one self-contained page (a Content-Security-Policy that
 * allows only inline styles and data: images, so the browser never asks another file or host),
 * a colour-blind-safe palette (Okabe–Ito) in light and dark mode, print rules, and the helpers the
 * report bodies use (escaping, numbers that carry their exact value).
 */

/** The policy in every report: no scripts, no fonts, no requests; inline CSS and data: images. */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const STYLE = `
:root { color-scheme: light dark;
  --fg: #1a1a1a; --bg: #ffffff; --muted: #5f5f5f; --grid: #d9d9d9; --panel: #f4f4f4;
  --same: #0072b2; --diff: #e69f00; --chosen: #009e73; --default: #cc79a7; --bad: #d55e00;
  --heat: 0, 114, 178; }
@media (prefers-color-scheme: dark) { :root {
  --fg: #e8e8e8; --bg: #161616; --muted: #a8a8a8; --grid: #3a3a3a; --panel: #222222;
  --same: #56b4e9; --diff: #e69f00; --chosen: #2fd4a0; --default: #e19bc6; --bad: #f07b3f;
  --heat: 86, 180, 233; } }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg);
  margin: 1.5em auto; max-width: 1100px; padding: 0 1em; }
h1 { font-size: 1.5em; margin: 0 0 .2em; } h2 { font-size: 1.2em; margin: 1.6em 0 .5em; }
h3 { font-size: 1em; margin: 1em 0 .2em; }
.muted, figcaption { color: var(--muted); }
table { border-collapse: collapse; margin: .5em 0; }
th, td { padding: .2em .6em; border-bottom: 1px solid var(--grid); text-align: left;
  vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
svg { max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg text { fill: var(--fg); } svg .axis { stroke: var(--fg); } svg .grid { stroke: var(--grid); }
svg .same { stroke: var(--same); fill: var(--same); }
svg .diff { stroke: var(--diff); fill: var(--diff); }
svg .chosen { stroke: var(--chosen); fill: var(--chosen); }
svg .default { stroke: var(--default); fill: var(--default); }
svg .curve { fill: none; } svg .marks text { stroke: none; }
svg .cell-text { fill: var(--fg); } svg .cell-text.light { fill: #ffffff; }
svg .box { fill: none; stroke-width: 3; } svg .box.known { stroke: var(--same); }
svg .box.unknown { stroke: var(--bad); stroke-dasharray: 6 3; }
svg .label-bg.known { fill: var(--same); } svg .label-bg.unknown { fill: var(--bad); }
svg .label { fill: #ffffff; font-weight: 600; }
.plots { display: flex; flex-wrap: wrap; gap: 1.5em; } figure { margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; }
.card { background: var(--panel); padding: .5em; border-radius: 4px; font-size: 12px;
  max-width: 260px; overflow-wrap: anywhere; }
.card img, .strip img { image-rendering: auto; display: inline-block; vertical-align: middle; }
.strip { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; margin: .3em 0 .8em; }
.photo { margin: 0 0 1.2em; } .summary td:first-child { color: var(--muted); }
.wrong { color: var(--bad); font-weight: 600; }
@media print { :root { --fg: #000; --bg: #fff; --muted: #444; --grid: #bbb; --panel: #fff; }
  body { margin: 0; max-width: none; } figure, .card, .photo, tr { break-inside: avoid; } }
`;

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML content and attribute values.
 *
 * @example
 * escapeHtml('a<b & "c"'); // "a&lt;b &amp; &quot;c&quot;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * A number shown as `text`, carrying its exact value and the `--json` key it comes from, so the
 * page can be checked against the command's JSON output.
 *
 * @example
 * numberSpan("rocAuc", 0.99912, (v) => v.toFixed(4)); // <span data-key="rocAuc" data-value="0.99912">0.9991</span>
 */
export function numberSpan(
  key: string,
  value: number | null,
  format: (v: number) => string,
): string {
  const text = value === null || !Number.isFinite(value) ? "n/a" : format(value);
  // As JSON prints it: NaN and infinities are null there.
  const exact = value === null || !Number.isFinite(value) ? "null" : String(value);
  return `<span data-key="${escapeHtml(key)}" data-value="${exact}">${escapeHtml(text)}</span>`;
}

/** `0.98765` → `"98.765%"`: the percentages of the text output. */
export const percent = (v: number): string => `${(v * 100).toFixed(3)}%`;

/** What the identification stage said about a face (the fields `identify` prints). */
export interface FaceAnswer {
  candidate: string;
  distance?: number;
  confidence?: number;
  probability?: number;
  reason?: string;
}

/** A confidence near 1 with the digits that tell values apart: 0.99973 → "99.97%". */
export function confidenceText(confidence: number): string {
  const pct = confidence * 100;
  if (pct >= 99.99) return "99.99%+";
  const digits = pct >= 99 ? 2 : pct >= 90 ? 1 : 0;
  return `${(Math.floor(pct * 10 ** digits) / 10 ** digits).toFixed(digits)}%`;
}

/**
 * The best guess and the numbers behind it, as HTML:
 * "closest: amy · distance 0.4123 · confidence 99.97% · SVM 45.0%", then the reason.
 */
export function answerFacts(f: FaceAnswer): string {
  const parts = [`closest: ${escapeHtml(f.candidate)}`];
  if (f.distance !== undefined) parts.push(`distance ${f.distance.toFixed(4)}`);
  if (f.confidence !== undefined) parts.push(`confidence ${confidenceText(f.confidence)}`);
  if (f.probability !== undefined) parts.push(`SVM ${(f.probability * 100).toFixed(1)}%`);
  return parts.join(" · ") + (f.reason ? `<br>${escapeHtml(f.reason)}` : "");
}

/**
 * A two-column table of labelled values (already HTML).
 *
 * @example
 * summaryTable([["Pairs", "3000"]]);
 */
export function summaryTable(rows: [string, string][]): string {
  return `<table class="summary">${
    rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="n">${v}</td></tr>`).join("")
  }</table>`;
}

/** An `<img>` of a data URI (or a grey placeholder text when there is none). */
export function imageTag(uri: string | undefined, alt: string, size: number): string {
  if (!uri) return `<span class="muted">(no image: ${escapeHtml(alt)})</span>`;
  return `<img src="${uri}" alt="${escapeHtml(alt)}" width="${size}" height="${size}">`;
}

/**
 * The complete document: title, a subtitle line (e.g. the command that made it), then the
 * sections in order. Nothing outside the page is referenced.
 *
 * @example
 * const html = reportPage("Verification", "faceprint evaluate --pairs p.txt", ["<h2>ROC</h2>…"]);
 */
export function reportPage(title: string, subtitle: string, sections: string[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(subtitle)}</p>
${sections.join("\n")}
</body>
</html>
`;
}
