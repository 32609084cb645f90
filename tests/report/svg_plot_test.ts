/** The hand-drawn SVG plots: scales, ROC, histograms, heat map. */
import assert from "node:assert/strict";
import {
  binCounts,
  distanceHistograms,
  heatMap,
  linearScale,
  linePlot,
  logScale,
  rocPlot,
} from "../../src/report/svg_plot.ts";
import { escapeHtml, reportPage } from "../../src/report/html.ts";

/** Every `name="value"` of elements matching `selector` (a tag plus an attribute that must exist). */
function attrs(svg: string, tag: string, name: string): string[] {
  const re = new RegExp(`<${tag}\\b[^>]*\\s${name}="([^"]*)"`, "g");
  return [...svg.matchAll(re)].map((m) => m[1]);
}

/** Checks tags open and close in order (the plots are embedded as XML-compatible SVG). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    const [, closing, tag, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), tag, `unbalanced </${tag}>`);
    else stack.push(tag);
  }
  assert.deepEqual(stack, []);
}

Deno.test("linear scale: maps the domain onto the range, round ticks cover it", () => {
  const x = linearScale(0, 2, 100, 500, 4);
  assert.equal(x(0), 100);
  assert.equal(x(1), 300);
  assert.equal(x(2), 500);
  assert.deepEqual(x.ticks.map((t) => t.label), ["0.0", "0.5", "1.0", "1.5", "2.0"]);
  const y = linearScale(0, 37, 300, 0, 5);
  assert.deepEqual(y.ticks.map((t) => t.value), [0, 10, 20, 30]);
});

Deno.test("log scale: one tick per power of ten, equal spacing per decade", () => {
  const x = logScale(1e-3, 1, 0, 300);
  assert.equal(Math.round(x(1e-3)), 0);
  assert.equal(Math.round(x(1e-2)), 100);
  assert.equal(Math.round(x(1)), 300);
  assert.deepEqual(x.ticks.map((t) => t.label), ["1e-3", "1e-2", "1e-1", "1"]);
});

Deno.test("ROC plot: log FAR axis down to 1/negatives, both TAR@FAR marks placed on it", () => {
  const points = [
    { far: 0, tar: 0 },
    { far: 0, tar: 0.6 },
    { far: 0.001, tar: 0.8 },
    { far: 0.01, tar: 0.95 },
    { far: 1, tar: 1 },
  ];
  const svg = rocPlot(points, 1000, [
    { far: 1e-3, tar: 0.8, label: "TAR@FAR=1e-3: 80%" },
    { far: 1e-2, tar: 0.95, label: "TAR@FAR=1e-2: 95%" },
  ]);
  assertBalanced(svg);
  // 1,000 negatives: the axis starts at 1e-3.
  const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const t of ["1e-3", "1e-2", "1e-1", "1", "TAR@FAR=1e-3: 80%", "TAR@FAR=1e-2: 95%"]) {
    assert.ok(labels.includes(t), `missing label ${t}`);
  }
  assert.ok(labels.some((l) => l.includes("false-accept rate")));
  assert.ok(labels.includes("true-accept rate"));
  assert.deepEqual(attrs(svg, "g", "data-far"), ["0.001", "0.01"]);
  // The 1e-3 mark sits on the left edge of the axis, 1e-2 one decade (a third) further right.
  const cx = attrs(svg, "circle", "cx").map(Number);
  assert.equal(cx[0], 58);
  assert.ok(Math.abs(cx[2] - (58 + (520 - 16 - 58) / 3)) < 0.2, String(cx[2]));
  // A step curve: every point after the first adds a horizontal and a vertical segment.
  const polyline = attrs(svg, "polyline", "points")[0].split(" ");
  assert.equal(polyline.length, 2 * points.length - 1);
});

Deno.test("ROC plot: a long curve is thinned to at most maxPoints", () => {
  const points = Array.from(
    { length: 5000 },
    (_, i) => ({ far: i / 4999, tar: Math.sqrt(i / 4999) }),
  );
  const svg = rocPlot(points, 2500, [], 100);
  assert.equal(attrs(svg, "polyline", "points")[0].split(" ").length, 199);
});

Deno.test("histograms: bar counts add up to each series, threshold lines where asked", () => {
  const same = [0.21, 0.25, 0.3, 0.31, 0.39, 0.42];
  const different = [0.55, 0.6, 0.61, 0.7, 0.95, 1.3, Infinity];
  const svg = distanceHistograms(same, different, [
    { value: 0.4134, label: "chosen 0.4134", kind: "chosen" },
    { value: 0.43, label: "default 0.43", kind: "default" },
  ]);
  assertBalanced(svg);
  const bars = [...svg.matchAll(/data-series="(\w+)" data-count="(\d+)"/g)];
  const total = (s: string) =>
    bars.filter((b) => b[1] === s).reduce((sum, b) => sum + Number(b[2]), 0);
  assert.equal(total("same"), 6);
  assert.equal(total("different"), 6); // Infinity (no face) is not drawn
  assert.deepEqual(attrs(svg, "g", "data-threshold"), ["0.4134", "0.43"]);
  assert.match(svg, /same person \(6\)/);
  assert.match(svg, /distance between embeddings/);
});

Deno.test("binCounts: values on edges and out of range land in the end bins", () => {
  assert.deepEqual(binCounts([0, 0.49, 0.5, 0.99, 1, 5, -1], 0, 1, 2), [3, 4]);
});

Deno.test("heat map: one cell per entry with its count, names escaped", () => {
  const svg = heatMap(
    ["amy", "<raj>"],
    ["amy", "<raj>", "unknown"],
    [[4, 0, 1], [0, 5, 0]],
    "true person",
    "answer",
  );
  assertBalanced(svg);
  const counts = attrs(svg, "rect", "data-count").map(Number);
  assert.deepEqual(counts, [4, 0, 1, 0, 5, 0]);
  assert.ok(!svg.includes("<raj>"));
  assert.ok(svg.includes("&lt;raj&gt;"));
  // Shade is the share of the row: amy→amy 4/5, raj→raj 5/5.
  assert.match(svg, /rgba\(var\(--heat\), 0\.8\)/);
  assert.match(svg, /rgba\(var\(--heat\), 1\)/);
});

Deno.test("page shell: strict CSP, both colour schemes, print rules, escaped title", () => {
  const html = reportPage("a <b> & c", "cmd", ["<p>x</p>"]);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data:;/);
  assert.match(html, /prefers-color-scheme: dark/);
  assert.match(html, /@media print/);
  assert.match(html, /<title>a &lt;b&gt; &amp; c<\/title>/);
  assert.equal(escapeHtml(`"'&`), "&quot;&#39;&amp;");
});

Deno.test("line plot: one polyline per series with its points, markers at their values", () => {
  const points = [0.2, 0.4, 0.6, 0.8].map((x) => ({ x, y: x }));
  const svg = linePlot(
    [
      { label: "named right", kind: "same", points },
      { label: "strangers", kind: "diff", points: points.map((p) => ({ x: p.x, y: NaN })) },
    ],
    [{ value: 0.5, label: "cut 0.5", kind: "default" }],
    "distance cut",
    "fraction",
  );
  assertBalanced(svg);
  assert.deepEqual(attrs(svg, "polyline", "data-series"), ["named right", "strangers"]);
  const [named, strangers] = attrs(svg, "polyline", "points");
  assert.equal(named.split(" ").length, 4);
  assert.equal(strangers, ""); // no strangers: nothing drawn, no NaN in the SVG
  assert.ok(!svg.includes("NaN"));
  // x from 0.2 to 0.8 spans the axis 0.2..0.8; the marker at 0.5 sits in the middle.
  const x1 = Number(attrs(svg, "line", "x1").at(-3));
  assert.ok(Math.abs(x1 - (58 + 446 / 2)) < 0.2, String(x1));
});
