import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createMtcnnDetector } from "../../src/detect/mtcnn/mtcnn.ts";
import { decodeJpeg } from "../../src/image/decode.ts";
import type { DetectedFace, Point, RgbImage } from "../../src/types.ts";

const detector = await createMtcnnDetector();
const FIXTURES = new URL("../fixtures/npm/", import.meta.url);
const GROUPS = new URL("../../../shared/data/groups/", import.meta.url);

function loadSample(name: string): RgbImage {
  return decodeJpeg(Deno.readFileSync(new URL(name, FIXTURES)));
}

const center = ({ box }: DetectedFace): Point => [box.x + box.width / 2, box.y + box.height / 2];
const near = (a: Point, b: Point, tolerance: number) =>
  Math.hypot(a[0] - b[0], a[1] - b[1]) <= tolerance;

/**
 * The faces in each 1920-px sample, located by eye (face centres in image pixels, ±~20 px).
 * `required` faces must be found; `extra` detections matching no listed face are tolerated.
 */
const SAMPLES: Record<string, { faces: Point[]; required: number[]; extra: number }> = {
  "sample1.jpg": { faces: [[514, 471], [929, 536], [1571, 336]], required: [0, 1, 2], extra: 0 },
  // Three women; only the right one is frontal. The left is near-profile (O-Net 0.6–0.9 depending
  // on the pyramid) and the middle one bows her head with hair over the face (O-Net ~0.67, below
  // the 0.7 threshold): MTCNN may miss either, so only the right face is required.
  "sample2.jpg": { faces: [[444, 296], [983, 348], [1538, 281]], required: [2], extra: 0 },
  "sample3.jpg": { faces: [[680, 468], [1191, 373], [1600, 438]], required: [0, 1, 2], extra: 0 },
  "sample4.jpg": {
    faces: [[342, 304], [745, 183], [1088, 274], [1338, 274]],
    required: [0, 1, 2, 3],
    extra: 0,
  },
  // Five faces; at minFace 40 MTCNN also reports the hairline above the face at (1193, 313)
  // (score ~0.75, a known false positive), so one extra detection is tolerated.
  "sample5.jpg": {
    faces: [[865, 224], [1193, 313], [1498, 514], [686, 544], [470, 1014]],
    required: [0, 1, 2, 3, 4],
    extra: 1,
  },
  "sample6.jpg": {
    faces: [[361, 604], [753, 471], [1263, 455], [1584, 424]],
    required: [0, 1, 2, 3],
    extra: 0,
  },
};

const detections = new Map<string, DetectedFace[]>();
async function detectSample(name: string): Promise<DetectedFace[]> {
  if (!detections.has(name)) {
    detections.set(name, await detector.detect(loadSample(name), { minFace: 40 }));
  }
  return detections.get(name)!;
}

for (const [name, truth] of Object.entries(SAMPLES)) {
  Deno.test(`mtcnn finds the faces in ${name} where they are`, async () => {
    const faces = await detectSample(name);
    const matched = truth.faces.map((p) => faces.findIndex((f) => near(center(f), p, 50)));
    for (const i of truth.required) {
      assert.ok(matched[i] >= 0, `face ${i} at ${truth.faces[i]} not found`);
    }
    const unmatched = faces.filter((f) => !truth.faces.some((p) => near(center(f), p, 50)));
    assert.ok(
      unmatched.length <= truth.extra,
      `unexpected detections: ${JSON.stringify(unmatched.map((f) => f.box))}`,
    );
    for (const p of truth.faces) {
      assert.ok(faces.filter((f) => near(center(f), p, 50)).length <= 1, `duplicate at ${p}`);
    }
  });
}

Deno.test("mtcnn: sorted by score, boxes inside the image, landmarks on the face", async () => {
  for (const name of ["sample1.jpg", "sample3.jpg", "sample4.jpg", "sample6.jpg"]) {
    const faces = await detectSample(name);
    const { width, height } = loadSample(name);
    faces.forEach((face, i) => {
      if (i > 0) assert.ok(faces[i - 1].score >= face.score);
      assert.ok(face.score >= 0.7 && face.score <= 1);
      const { box, landmarks } = face;
      assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= width);
      assert.ok(box.y + box.height <= height);
      // A face of these photos is 150–230 px wide; the box should not be a sliver or a blob.
      assert.ok(box.width > 120 && box.width < 300 && box.height > 150 && box.height < 350);
      for (const [x, y] of Object.values(landmarks)) {
        assert.ok(x > box.x && x < box.x + box.width && y > box.y && y < box.y + box.height);
      }
      const { leftEye, rightEye, mouthLeft, mouthRight } = landmarks;
      assert.ok(leftEye[0] < rightEye[0], "image-left eye first");
      assert.ok(mouthLeft[0] < mouthRight[0], "image-left mouth corner first");
      assert.ok(Math.max(leftEye[1], rightEye[1]) < Math.min(mouthLeft[1], mouthRight[1]));
    });
  }
});

Deno.test("mtcnn at minFace 20 on sample1: the same three faces, no tensors leaked", async () => {
  const image = loadSample("sample1.jpg");
  const before = tf.memory().numTensors;
  const faces = await detector.detect(image, { minFace: 20 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(faces.length, 3);
  for (const p of SAMPLES["sample1.jpg"].faces) {
    assert.ok(faces.some((f) => near(center(f), p, 50)));
  }
});

/** Copies the `w`×`h` window at (`x`, `y`). */
function cropImage(image: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const from = ((y + r) * image.width + x) * 3;
    data.set(image.data.subarray(from, from + w * 3), r * w * 3);
  }
  return { width: w, height: h, data };
}

Deno.test("mtcnn finds a face cut by the image edge and clips its box", async () => {
  // sample1's left face spans x ≈ 410–600; cutting the image at x = 500 leaves about half of it.
  const image = cropImage(loadSample("sample1.jpg"), 500, 200, 800, 600);
  const faces = await detector.detect(image, { minFace: 40 });
  assert.equal(faces.length, 2);
  const cut = faces.find((f) => f.box.x === 0);
  assert.ok(cut, "a box clipped at the left edge");
  assert.ok(cut.box.width > 60 && cut.box.width < 140, `clipped width ${cut.box.width}`);
  assert.ok(faces.every((f) => f.box.x + f.box.width <= 800 && f.box.y + f.box.height <= 600));
});

/** A deterministic 640×480 image: a smooth colour gradient plus mild noise (no faces). */
function gradientWithNoise(): RgbImage {
  const width = 640, height = 480;
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) / 16 - 8;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.max(0, Math.min(255, (x / width) * 255 + noise()));
      data[i + 1] = Math.max(0, Math.min(255, (y / height) * 200 + 30 + noise()));
      data[i + 2] = Math.max(0, Math.min(255, 128 + 60 * Math.sin(x / 50 + y / 70) + noise()));
    }
  }
  return { width, height, data };
}

Deno.test("mtcnn finds no face in flat, gradient or tiny images", async () => {
  const flat = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(128) };
  assert.deepEqual(await detector.detect(flat, { minFace: 20 }), []);
  assert.deepEqual(await detector.detect(gradientWithNoise(), { minFace: 20 }), []);
  const tiny = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
  assert.deepEqual(await detector.detect(tiny, { minFace: 20 }), [], "smaller than minFace");
});

Deno.test("mtcnn rejects a minFace that is not a positive number", async () => {
  const image = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 3) };
  for (const minFace of [0, -5, NaN, Infinity]) {
    await assert.rejects(() => detector.detect(image, { minFace }), /minFace/);
  }
  await assert.rejects(() => createMtcnnDetector({ scaleFactor: 1 }), /scaleFactor/);
});

let groups: string[] = [];
try {
  groups = [...Deno.readDirSync(GROUPS)].map((e) => e.name).filter((n) => /^\d{3}_\d\.jpg$/.test(n))
    .sort();
} catch {
  console.log(`skipping the groups test: ${GROUPS.pathname} is absent`);
}

Deno.test({
  name: "mtcnn face counts on shared/data/groups (NNN_K.jpg has K faces)",
  ignore: groups.length === 0,
  async fn() {
    const wrong: string[] = [];
    for (const name of groups) {
      const image = decodeJpeg(Deno.readFileSync(new URL(name, GROUPS)));
      const faces = await detector.detect(image, { minFace: 20 });
      const expected = Number(name[4]);
      if (name === "017_0.jpg") assert.equal(faces.length, 0, "017_0.jpg is a landscape");
      if (faces.length !== expected) wrong.push(`${name}: ${faces.length}`);
    }
    assert.equal(groups.length, 9);
    assert.ok(wrong.length <= 1, `wrong counts: ${wrong.join(", ")}`);
  },
});
