import assert from "node:assert/strict";
import { alignFace, DLIB_TEMPLATE_150, similarityTransform } from "../../src/embed/align.ts";
import type { Affine2x3 } from "../../src/embed/align.ts";
import { decodeImage } from "../../src/image/decode.ts";
import type { Landmarks, Point, RgbImage } from "../../src/types.ts";

/** Hand-picked landmarks of the left woman in sample3.jpg (1920×1350). */
const SAMPLE3_LEFT: Landmarks = {
  leftEye: [627, 430],
  rightEye: [727, 432],
  nose: [673, 490],
  mouthLeft: [647, 533],
  mouthRight: [707, 535],
};

function apply(m: Affine2x3, [x, y]: Point): Point {
  return [m[0][0] * x + m[0][1] * y + m[0][2], m[1][0] * x + m[1][1] * y + m[1][2]];
}

/** Rotation by `deg`, uniform `scale`, then a shift. */
function similarity(deg: number, scale: number, tx: number, ty: number): Affine2x3 {
  const c = Math.cos(deg * Math.PI / 180) * scale, s = Math.sin(deg * Math.PI / 180) * scale;
  return [[c, -s, tx], [s, c, ty]];
}

function invert(m: Affine2x3): Affine2x3 {
  const [[a, c, tx], [b, d, ty]] = m;
  const det = a * d - b * c;
  const ia = d / det, ic = -c / det, ib = -b / det, id = a / det;
  return [[ia, ic, -(ia * tx + ic * ty)], [ib, id, -(ib * tx + id * ty)]];
}

/** A smooth colour pattern in chip coordinates (values 0..255, gentle enough to resample). */
function pattern(u: number, v: number, c: number): number {
  return 127.5 + 120 * Math.sin(u * 0.09 + c) * Math.cos(v * 0.07 - c * 0.5);
}

/** An image showing `pattern` (in chip coordinates) placed by `chipToImage`. */
function patternImage(width: number, height: number, chipToImage: Affine2x3): RgbImage {
  const toChip = invert(chipToImage);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = apply(toChip, [x, y]);
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.round(pattern(u, v, c));
    }
  }
  return { width, height, data };
}

function landmarksFrom(points: Point[]): Landmarks {
  const [leftEye, rightEye, nose, mouthLeft, mouthRight] = points;
  return { leftEye, rightEye, nose, mouthLeft, mouthRight };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

Deno.test("similarityTransform recovers a known rotation, scale and shift exactly", () => {
  const known = similarity(-37, 2.3, 412.5, -80.25);
  const from = [...DLIB_TEMPLATE_150];
  const m = similarityTransform(from, from.map((p) => apply(known, p)));
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(m[r][c] - known[r][c]) < 1e-9, `m[${r}][${c}]`);
  }
});

Deno.test("similarityTransform is the least-squares fit and never reflects", () => {
  const from: Point[] = [[0, 0], [10, 0], [0, 10], [10, 10]];
  // Mirrored target: the best similarity cannot reproduce it, and must not flip.
  const to: Point[] = from.map(([x, y]) => [-x, y]);
  const m = similarityTransform(from, to);
  assert.ok(m[0][0] === m[1][1] && m[0][1] === -m[1][0], "form [[a, -b], [b, a]]");
  // Noisy points: the fit's residual is no larger than the generating transform's.
  const known = similarity(12, 0.8, 5, 7);
  const noisy = from.map((p, i): Point => {
    const [x, y] = apply(known, p);
    return [x + [0.3, -0.2, 0.1, -0.4][i], y + [-0.1, 0.25, -0.3, 0.2][i]];
  });
  const fit = similarityTransform(from, noisy);
  const residual = (t: Affine2x3) =>
    from.reduce((s, p, i) => {
      const [x, y] = apply(t, p);
      return s + (x - noisy[i][0]) ** 2 + (y - noisy[i][1]) ** 2;
    }, 0);
  assert.ok(residual(fit) <= residual(known) + 1e-12);
  assert.throws(() => similarityTransform([[1, 1], [1, 1]], [[0, 0], [1, 1]]), /coincide/);
});

Deno.test("alignFace undoes a known rotated, scaled placement of the chip", () => {
  // Shrunk by 2.2 (box-filter path) and enlarged by 1.3 (plain bilinear path).
  for (const [deg, scale] of [[25, 2.2], [-140, 1.3]]) {
    // Chip centre (75, 75) lands on the image centre (300, 280).
    const [cx, cy] = apply(similarity(deg, scale, 0, 0), [75, 75]);
    const place = similarity(deg, scale, 300 - cx, 280 - cy);
    const image = patternImage(600, 560, place);
    const landmarks = landmarksFrom(DLIB_TEMPLATE_150.map((p) => apply(place, p)));
    const chip = alignFace(image, landmarks);
    const expected = new Uint8Array(150 * 150 * 3);
    for (let v = 0; v < 150; v++) {
      for (let u = 0; u < 150; u++) {
        for (let c = 0; c < 3; c++) expected[(v * 150 + u) * 3 + c] = Math.round(pattern(u, v, c));
      }
    }
    const diff = meanAbsDiff(chip.data, expected);
    assert.ok(diff < 0.6, `rotation ${deg}°, scale ${scale}: mean |diff| ${diff.toFixed(2)}`);
  }
});

Deno.test("alignFace gives the same chip from a 90°-rotated copy of a photo", async () => {
  const image = decodeImage(
    await Deno.readFile(new URL("../fixtures/npm/sample3.jpg", import.meta.url)),
  );
  // Rotate clockwise: (x, y) -> (H - 1 - y, x).
  const { width: w, height: h } = image;
  const rotated = new Uint8Array(image.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 3, q = (x * h + (h - 1 - y)) * 3;
      rotated[q] = image.data[p];
      rotated[q + 1] = image.data[p + 1];
      rotated[q + 2] = image.data[p + 2];
    }
  }
  const turn = ([x, y]: Point): Point => [h - 1 - y, x];
  const { leftEye, rightEye, nose, mouthLeft, mouthRight } = SAMPLE3_LEFT;
  const chip = alignFace(image, SAMPLE3_LEFT);
  const chipRotated = alignFace(
    { width: h, height: w, data: rotated },
    landmarksFrom([leftEye, rightEye, nose, mouthLeft, mouthRight].map(turn)),
  );
  assert.ok(meanAbsDiff(chip.data, chipRotated.data) < 0.5);
  // And the face is really there: the chip is not flat or black.
  const mean = chip.data.reduce((s, v) => s + v, 0) / chip.data.length;
  assert.ok(mean > 60 && mean < 220, `chip mean ${mean}`);
});

Deno.test("alignFace output: size×size RGB, black outside the image, fast", async () => {
  const image = decodeImage(
    await Deno.readFile(new URL("../fixtures/npm/sample3.jpg", import.meta.url)),
  );
  const small = alignFace(image, SAMPLE3_LEFT, 112);
  assert.equal(small.width, 112);
  assert.equal(small.height, 112);
  assert.ok(small.data instanceof Uint8Array);
  assert.equal(small.data.length, 112 * 112 * 3);

  // A face whose template square pokes out past the top-left corner: that part is black.
  const shift = (p: Point): Point => [p[0] - 600, p[1] - 400];
  const { leftEye, rightEye, nose, mouthLeft, mouthRight } = SAMPLE3_LEFT;
  const corner = alignFace(
    image,
    landmarksFrom([leftEye, rightEye, nose, mouthLeft, mouthRight].map(shift)),
  );
  assert.deepEqual([...corner.data.subarray(0, 3)], [0, 0, 0]);
  const last = corner.data.length - 3;
  assert.ok(corner.data[last] + corner.data[last + 1] + corner.data[last + 2] > 0);

  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    alignFace(image, SAMPLE3_LEFT);
    times.push(performance.now() - t);
  }
  const median = times.sort((a, b) => a - b)[20];
  assert.ok(median < 5, `median ${median.toFixed(2)} ms per chip`);
});
