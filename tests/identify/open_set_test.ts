/**
 * The open-set pieces on generated vectors: the gallery index finds the same nearest faces and
 * distances as a brute-force search with faceprint's metric (plain and fused), the cut tightens
 * as the gallery grows, and the curve counts what it should.
 */
import assert from "node:assert/strict";
import { calibrationFor, impostorDistance, impostorRate } from "../../src/identify/calibration.ts";
import { buildGalleryIndex } from "../../src/identify/gallery_index.ts";
import { faceDistance, partSizesOf } from "../../src/identify/metric.ts";
import { confidenceFor, openSetCut } from "../../src/identify/open_set.ts";
import { bestCut, openSetPoint } from "../../src/evaluate/open_set_curve.ts";
import { syntheticFaces } from "../../tasks/bench/gallery_search.ts";

for (const embedder of ["dlib-resnet-v1", "fused-v1"]) {
  Deno.test(`gallery index: nearest faces equal a brute-force search (${embedder})`, async () => {
    const sizes = [...partSizesOf(embedder, 128)];
    const gallery = syntheticFaces(700, sizes, 7);
    const probes = syntheticFaces(70, sizes, 11);
    probes[3] = gallery[123];
    const index = await buildGalleryIndex(gallery, sizes);
    const found = await index.nearest(probes, 3);
    index.dispose();
    const distance = faceDistance(embedder);
    probes.forEach((p, i) => {
      const brute = gallery.map((g, j) => ({ j, d: distance(p, g) })).sort((a, b) => a.d - b.d);
      assert.deepEqual(found[i].map((n) => n.index), brute.slice(0, 3).map((b) => b.j));
      found[i].forEach((n, r) => assert.ok(Math.abs(n.distance - brute[r].d) < 1e-3));
    });
    assert.equal(found[3][0].index, 123);
    assert.ok(found[3][0].distance < 1e-3);
  });
}

Deno.test("fused distance is the mean of the two models' distances", () => {
  const [a, b] = syntheticFaces(2, [128, 192], 3);
  const unit = (v: Float32Array) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const d = (x: Float32Array, y: Float32Array) => Math.hypot(...x.map((v, i) => v - y[i]));
  const dlib = d(unit(a.slice(0, 128)), unit(b.slice(0, 128)));
  const mfn = d(unit(a.slice(128)), unit(b.slice(128)));
  assert.ok(Math.abs(faceDistance("fused-v1")(a, b) - (dlib + mfn) / 2) < 1e-6);
});

Deno.test("open-set cut: tighter for bigger galleries, never above the verify threshold", () => {
  const cal = calibrationFor("fused-v1", true)!;
  const cuts = [1, 10, 100, 1000, 100_000].map((n) => openSetCut(cal, 0.01, n));
  for (let i = 1; i < cuts.length; i++) assert.ok(cuts[i] < cuts[i - 1], `${cuts}`);
  assert.ok(cuts[0] <= cal.verifyThreshold);
  const far = 1e-5;
  assert.ok(Math.abs(impostorRate(cal, impostorDistance(cal, far)) / far - 1) < 1e-6);
  const confidence = confidenceFor(cal, 455);
  assert.ok(Math.abs(confidence(openSetCut(cal, 0.01, 455)) - 0.99) < 1e-6);
  assert.ok(confidence(0.1) > confidence(0.5));
});

Deno.test("open-set curve: named right and strangers accepted at a cut; best cut", () => {
  const probes = [
    { enrolled: true, candidateRight: true, distance: 0.3 },
    { enrolled: true, candidateRight: true, distance: 0.6 },
    { enrolled: true, candidateRight: false, distance: 0.4 },
    { enrolled: false, candidateRight: false, distance: 0.5 },
    { enrolled: false, candidateRight: false, distance: 0.9 },
  ];
  assert.deepEqual(openSetPoint(probes, 0.45), {
    maxDistance: 0.45,
    namedRight: 1 / 3,
    strangersAccepted: 0,
  });
  assert.equal(openSetPoint(probes, 0.7).strangersAccepted, 0.5);
  assert.equal(bestCut(probes).maxDistance, 0.3, "ties keep the smallest cut");
  probes[3].distance = 0.65;
  assert.equal(bestCut(probes).maxDistance, 0.6);
});
