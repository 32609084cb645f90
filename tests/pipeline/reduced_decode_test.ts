/**
 * Large JPEGs are decoded at reduced size for detection (analyze.ts): the faces, their boxes in
 * full-image pixels, the reported size (EXIF orientation included) and the embeddings match a
 * full-size decode. Tolerances: the detector's copy is resampled differently (a DCT-scaled decode
 * area-averaged, instead of block averages of the full decode), which on ~200-px faces moves
 * boxes by up to 15 px and dlib embeddings by up to 0.12 (a q95 re-encode of the JPEG: 1 px,
 * 0.02; the dlib verify threshold is 0.43).
 */
import assert from "node:assert/strict";
import { decodeImage, resizeBilinear } from "../../src/image/decode.ts";
import { loadDetector, loadEmbedder } from "../../src/pipeline/models.ts";
import {
  type AnalyzedFace,
  type AnalyzedImage,
  analyzeImage,
  detectReduction,
  type StageTimings,
} from "../../src/pipeline/analyze.ts";
import { exifPayload, exifTiff, withApp1 } from "../image/builders.ts";
import { cropImage } from "../robustness/helpers.ts";
import { writeJpeg, ycbcrPlanes } from "../robustness/jpeg_writer.ts";

const sample1 = Deno.readFileSync(new URL("../fixtures/npm/sample1.jpg", import.meta.url));

Deno.test("detectReduction: only photos the detector would shrink are decoded smaller", () => {
  assert.equal(detectReduction(32, { width: 1920, height: 1280 }), 1);
  assert.equal(detectReduction(123, { width: 4912, height: 7360 }), 2); // 36 MP, factor 3
  assert.equal(detectReduction(200, { width: 8000, height: 6000 }), 4); // factor 5
  assert.equal(detectReduction(400, { width: 16000, height: 12000 }), 8); // factor 9
  assert.equal(detectReduction(400, { width: 300, height: 36 }), 2); // capped by the size
});

const detector = await loadDetector("mtcnn");
const embedder = await loadEmbedder({ kind: "builtin", name: "dlib" });

async function bothWays(bytes: Uint8Array, minFace: number) {
  const run = (reduceJpeg: boolean) => {
    const timings: StageTimings = { decode: 0, detect: 0, fullDecode: 0, embed: 0 };
    const result = analyzeImage(bytes, { detector, embedder }, {
      minFace,
      maxPixels: 5e7,
      pick: "all",
      flip: false,
      keepChips: false,
      reduceJpeg,
      timings,
    });
    return result.then((r) => ({ ...r, timings }));
  };
  return { reduced: await run(true), full: await run(false) };
}

function assertSameFaces(a: AnalyzedImage, b: AnalyzedImage, boxPx: number, distance: number) {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  assert.equal(a.faces.length, b.faces.length);
  const center = (f: AnalyzedFace) => [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];
  for (const f of b.faces) {
    const apart = (g: AnalyzedFace) =>
      Math.hypot(center(g)[0] - center(f)[0], center(g)[1] - center(f)[1]);
    const g = a.faces.reduce((best, x) => (apart(x) < apart(best) ? x : best));
    for (const k of ["x", "y", "width", "height"] as const) {
      assert.ok(Math.abs(f.box[k] - g.box[k]) <= boxPx, `box.${k}: ${f.box[k]} vs ${g.box[k]}`);
    }
    const d = Math.hypot(...f.embedding!.map((v, i) => v - g.embedding![i]));
    assert.ok(d < distance, `embedding distance ${d.toFixed(4)}`);
  }
}

Deno.test("reduced decode, faces aligned from a full decode: sample1 turned by EXIF 6", async () => {
  // --min-face 100 makes the detector shrink 1920x1280 by 3: decoded at 1/2 instead.
  const turned = withApp1(sample1, exifPayload(exifTiff(6, false)));
  const { reduced, full } = await bothWays(turned, 100);
  assert.deepEqual([reduced.width, reduced.height], [1280, 1920]);
  assert.ok(full.faces.length >= 2, `${full.faces.length} faces`);
  assertSameFaces(reduced, full, 16, 0.15);
  assert.ok(reduced.timings.fullDecode > 0 && full.timings.fullDecode < 1);
});

Deno.test("reduced decode, faces large enough to align from the reduced copy", async () => {
  // sample1's left face (189x247 px) blown up 1.8x in a 504x504 JPEG: at 1/2 it is ~170 px.
  const photo = decodeImage(sample1);
  const big = resizeBilinear(cropImage(photo, 365, 340, 280, 280), 504, 504);
  const jpeg = writeJpeg({ width: 504, height: 504, planes: ycbcrPlanes(big), quality: 92 });
  const { reduced, full } = await bothWays(jpeg, 100);
  assert.equal(full.faces.length, 1);
  assert.ok(full.faces[0].box.width > 300, `face ${full.faces[0].box.width} px`);
  assertSameFaces(reduced, full, 6, 0.08);
  assert.equal(reduced.timings.fullDecode < 1 && full.timings.fullDecode < 1, true);
});
