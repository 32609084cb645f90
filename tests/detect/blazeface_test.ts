import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { blazeFaceAnchors } from "../../src/detect/blazeface/anchors.ts";
import { createBlazeFaceDetector } from "../../src/detect/blazeface/blazeface.ts";
import {
  landmarksFromKeypoints,
  MOUTH_WIDTH_PER_EYE_DISTANCE,
} from "../../src/detect/blazeface/landmarks.ts";
import { shrinkByBoxFilter } from "../../src/detect/blazeface/shrink.ts";
import { decodeJpeg } from "../../src/image/decode.ts";
import type { Box, DetectedFace, RgbImage } from "../../src/types.ts";

const fixtures = new URL("../fixtures/npm/", import.meta.url);
const loadSample = async (n: number) =>
  decodeJpeg(await Deno.readFile(new URL(`sample${n}.jpg`, fixtures)));
const detectorPromise = createBlazeFaceDetector();

function centre(box: Box): [number, number] {
  return [box.x + box.width / 2, box.y + box.height / 2];
}

/** The face whose box centre is nearest `[x, y]`, asserting it is within a quarter of its side. */
function faceNear(faces: DetectedFace[], x: number, y: number): DetectedFace {
  const distance = (f: DetectedFace) => Math.hypot(centre(f.box)[0] - x, centre(f.box)[1] - y);
  const nearest = faces.reduce((a, b) => distance(a) <= distance(b) ? a : b);
  assert.ok(distance(nearest) < nearest.box.width / 4, `no face centred near (${x}, ${y})`);
  return nearest;
}

function flatImage(width: number, height: number, value: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) };
}

/** Copies the `size`×`size` square at `(sx, sy)` of `source` to `(dx, dy)` of `target`. */
function paste(
  target: RgbImage,
  source: RgbImage,
  sx: number,
  sy: number,
  size: number,
  dx = 0,
  dy = 0,
) {
  for (let y = 0; y < size; y++) {
    const from = ((sy + y) * source.width + sx) * 3;
    target.data.set(
      source.data.subarray(from, from + size * 3),
      ((dy + y) * target.width + dx) * 3,
    );
  }
}

// Face centres and sides (px) read off the photos; every face in these photos is large enough.
const SAMPLE_FACES: Record<number, { count: number; faces: [number, number, number][] }> = {
  1: { count: 3, faces: [[515, 507, 198], [938, 553, 181], [1567, 338, 162]] },
  2: { count: 3, faces: [[1550, 292, 196], [448, 290, 209], [968, 370, 200]] },
  3: { count: 3, faces: [[690, 491, 206]] },
  4: { count: 4, faces: [[1076, 325, 198]] },
  5: { count: 5, faces: [[464, 1042, 200]] },
  6: { count: 4, faces: [[348, 645, 220], [1260, 471, 247], [773, 502, 236], [1588, 438, 233]] },
};

Deno.test("blazeface finds every face in the sample group photos, where they are", async () => {
  const detector = await detectorPromise;
  for (const [n, expected] of Object.entries(SAMPLE_FACES)) {
    const image = await loadSample(Number(n));
    const faces = await detector.detect(image, { minFace: 40 });
    assert.equal(faces.length, expected.count, `sample${n}.jpg`);
    for (const [x, y, side] of expected.faces) {
      const face = faceNear(faces, x, y);
      assert.ok(Math.abs(face.box.width - side) < side * 0.15, `sample${n} face at ${x},${y}`);
      assert.ok(face.score >= 0.45 && face.score <= 1);
    }
  }
});

Deno.test("blazeface landmarks sit on the face in image-left/right order", async () => {
  const detector = await detectorPromise;
  const faces = await detector.detect(await loadSample(6), { minFace: 40 });
  for (const { box, landmarks: lm } of faces) {
    const inBox = ([x, y]: [number, number]) =>
      x > box.x && x < box.x + box.width && y > box.y && y < box.y + box.height;
    for (const point of Object.values(lm)) assert.ok(inBox(point), "landmark outside its box");
    assert.ok(lm.leftEye[0] < lm.rightEye[0], "image-left eye first");
    assert.ok(lm.mouthLeft[0] < lm.mouthRight[0], "image-left mouth corner first");
    const eyeY = (lm.leftEye[1] + lm.rightEye[1]) / 2;
    const mouthY = (lm.mouthLeft[1] + lm.mouthRight[1]) / 2;
    assert.ok(eyeY < lm.nose[1] && lm.nose[1] < mouthY, "eyes above nose above mouth");
    const eyeDistance = Math.hypot(lm.rightEye[0] - lm.leftEye[0], lm.rightEye[1] - lm.leftEye[1]);
    assert.ok(eyeDistance > box.width * 0.25 && eyeDistance < box.width * 0.6);
  }
  // The first woman in sample6: eyes read off the photo at about (321, 607) and (413, 593).
  const first = faceNear(faces, 348, 645).landmarks;
  assert.ok(Math.hypot(first.leftEye[0] - 321, first.leftEye[1] - 607) < 12);
  assert.ok(Math.hypot(first.rightEye[0] - 413, first.rightEye[1] - 593) < 12);
});

Deno.test("blazeface drops faces smaller than minFace", async () => {
  const detector = await detectorPromise;
  const image = await loadSample(1);
  const faces = await detector.detect(image, { minFace: 170 });
  assert.equal(faces.length, 2);
  assert.ok(faces.every((f) => f.box.width >= 170));
  assert.deepEqual(await detector.detect(image, { minFace: 400 }), []);
});

Deno.test("blazeface finds nothing in flat or tiny images", async () => {
  const detector = await detectorPromise;
  assert.deepEqual(await detector.detect(flatImage(640, 480, 128), { minFace: 20 }), []);
  assert.deepEqual(await detector.detect(flatImage(1, 1, 0), { minFace: 0 }), []);
});

Deno.test("blazeface finds a face at the same place whatever the image's shape and size", async () => {
  const detector = await detectorPromise;
  const photo = await loadSample(6);
  // The third face of sample6 (box about 655,384 236×236, nose about 738,526) with a margin.
  const [sx, sy, size] = [600, 330, 340];
  const canvases: [number, number, number, number][] = [
    [1536, 600, 100, 120], // landscape, padded below
    [1536, 600, 1060, 120],
    [600, 1536, 201, 1111], // portrait, padded at the right
    [2000, 2000, 1500, 1500], // square, shrunk 7×
    [400, 400, 30, 30], // upsampled to the model's 256 px
  ];
  for (const [width, height, dx, dy] of canvases) {
    const canvas = flatImage(width, height, 128);
    paste(canvas, photo, sx, sy, size, dx, dy);
    const faces = await detector.detect(canvas, { minFace: 40 });
    assert.equal(faces.length, 1);
    const [cx, cy] = centre(faces[0].box);
    const where = `${width}x${height} at ${dx},${dy}`;
    assert.ok(Math.hypot(cx - dx - (773 - sx), cy - dy - (502 - sy)) < 15, `box centre, ${where}`);
    const [nx, ny] = faces[0].landmarks.nose;
    assert.ok(Math.hypot(nx - dx - (738 - sx), ny - dy - (526 - sy)) < 12, `nose, ${where}`);
  }
});

Deno.test("blazeface boxes scale exactly with the image", async () => {
  const detector = await detectorPromise;
  const photo = await loadSample(6);
  // A canvas and its 2× nearest-neighbour enlargement shrink to the same model input.
  const small = flatImage(768, 400, 128);
  paste(small, photo, 600, 330, 340, 200, 30);
  const double = flatImage(1536, 800, 0);
  for (let y = 0; y < 800; y++) {
    for (let x = 0; x < 1536; x++) {
      const from = ((y >> 1) * 768 + (x >> 1)) * 3;
      double.data.set(small.data.subarray(from, from + 3), (y * 1536 + x) * 3);
    }
  }
  const [one] = await detector.detect(small, { minFace: 40 });
  const [two] = await detector.detect(double, { minFace: 40 });
  for (const key of ["x", "y", "width", "height"] as const) {
    assert.ok(Math.abs(two.box[key] - 2 * one.box[key]) < 0.01, key);
  }
  assert.ok(Math.abs(two.landmarks.leftEye[1] - 2 * one.landmarks.leftEye[1]) < 0.01);
});

Deno.test("blazeface clips boxes of faces cut by the image edge", async () => {
  const detector = await detectorPromise;
  const photo = await loadSample(6);
  // sample6 cropped at x = 300: the first face (x 238..458) loses its left quarter.
  const crop: RgbImage = flatImage(900, 900, 0);
  for (let y = 0; y < 900; y++) {
    const from = ((300 + y) * photo.width + 300) * 3;
    crop.data.set(photo.data.subarray(from, from + 900 * 3), y * 900 * 3);
  }
  const faces = await detector.detect(crop, { minFace: 40 });
  const cut = faces.find((f) => f.box.x === 0);
  assert.ok(cut, "the cut face is found and clipped at x = 0");
  assert.ok(cut.box.width < 200 && cut.landmarks.rightEye[0] > 50);
  for (const { box } of faces) {
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 900 && box.y + box.height <= 900);
  }
});

Deno.test("blazeface leaks no tensors", async () => {
  const detector = await detectorPromise;
  const image = await loadSample(3);
  await detector.detect(image, { minFace: 40 });
  const before = tf.memory().numTensors;
  await detector.detect(image, { minFace: 40 });
  await detector.detect(flatImage(300, 200, 90), { minFace: 40 });
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("shrinkByBoxFilter averages whole and cut blocks", () => {
  const image: RgbImage = { width: 5, height: 4, data: new Uint8Array(60) };
  image.data.forEach((_, i) => image.data[i] = (i * 37) % 251);
  const small = shrinkByBoxFilter(image, 3);
  assert.equal(small.width, 2);
  assert.equal(small.height, 2);
  for (let row = 0; row < 2; row++) {
    for (let col = 0; col < 2; col++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0, n = 0;
        for (let y = row * 3; y < Math.min(4, row * 3 + 3); y++) {
          for (let x = col * 3; x < Math.min(5, col * 3 + 3); x++) {
            sum += image.data[(y * 5 + x) * 3 + c];
            n++;
          }
        }
        assert.ok(Math.abs(small.data[(row * 2 + col) * 3 + c] - sum / n) < 1e-4);
      }
    }
  }
});

Deno.test("blazeFaceAnchors lays out 896 anchors: 16×16×2 then 8×8×6", () => {
  const anchors = blazeFaceAnchors();
  assert.equal(anchors.length, 896 * 2);
  assert.deepEqual([...anchors.subarray(0, 4)], [8, 8, 8, 8]);
  assert.deepEqual([...anchors.subarray(4, 6)], [24, 8]);
  assert.deepEqual([...anchors.subarray(1022, 1026)], [248, 248, 16, 16]);
  assert.deepEqual([...anchors.subarray(1790)], [240, 240]);
});

Deno.test("landmarksFromKeypoints puts the mouth corners along the eye axis", () => {
  // A face rolled by 90°: eyes one above the other, the mouth to their left.
  const lm = landmarksFromKeypoints([100, 100], [100, 160], [70, 130], [40, 130]);
  const half = 30 * MOUTH_WIDTH_PER_EYE_DISTANCE;
  assert.deepEqual(lm.mouthLeft, [40, 130 - half]);
  assert.deepEqual(lm.mouthRight, [40, 130 + half]);
  assert.deepEqual(lm.nose, [70, 130]);
  assert.ok(Math.abs(MOUTH_WIDTH_PER_EYE_DISTANCE - 0.917) < 0.001);
});

const groups = new URL("../../../shared/data/groups/", import.meta.url);
const haveGroups = await Deno.stat(groups).then(() => true, () => false);
if (!haveGroups) {
  console.log(`skipping the shared-data BlazeFace test: ${groups.pathname} is absent`);
}

Deno.test({
  name: "blazeface counts the faces of the shared group photos, one box per annotated nose",
  ignore: !haveGroups,
  fn: async () => {
    const detector = await detectorPromise;
    const rows = (await Deno.readTextFile(new URL("annotations.csv", groups))).trim().split("\n");
    const labelled = rows.map((row) => row.match(/([^/]+_(\d)\.jpg),\d+,(?:"([\d,;]+)")?/))
      .filter((m) => m !== null);
    assert.equal(labelled.length, 9);
    for (const [, file, count, noses] of labelled) {
      const image = decodeJpeg(await Deno.readFile(new URL(file, groups)));
      const faces = await detector.detect(image, { minFace: 20 });
      assert.equal(faces.length, Number(count), file);
      for (const nose of noses ? noses.split(";") : []) {
        const [x, y] = nose.split(",").map(Number);
        const holding = faces.filter(({ box }) =>
          x > box.x && x < box.x + box.width && y > box.y && y < box.y + box.height
        );
        assert.equal(holding.length, 1, `${file}: nose at ${nose}`);
      }
    }
  },
});
