import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import pinned from "../../models/manifest.json" with { type: "json" };
import weightsManifest from "../../models/face_recognition_model-weights_manifest.json" with {
  type: "json",
};
import { alignFace } from "../../src/embed/align.ts";
import { buildDlibEmbedder, createDlibEmbedder } from "../../src/embed/dlib_resnet.ts";
import type { NamedWeights } from "../../src/embed/dlib_weights.ts";
import { createMtcnnDetector } from "../../src/detect/mtcnn/mtcnn.ts";
import { decodeImage } from "../../src/image/decode.ts";
import type { Landmarks, RgbImage } from "../../src/types.ts";

const DATA = new URL("../../../shared/data/", import.meta.url);
const QUANTISED_BIN = new URL(
  "../../node_modules/@vladmandic/face-api/model/face_recognition_model.bin",
  import.meta.url,
);

/** Hand-picked landmarks of four different people in the sample photos. */
const PEOPLE: { file: string; landmarks: Landmarks }[] = [
  {
    file: "sample1.jpg",
    landmarks: {
      leftEye: [443, 452],
      rightEye: [517, 455],
      nose: [483, 510],
      mouthLeft: [443, 537],
      mouthRight: [523, 545],
    },
  },
  {
    file: "sample3.jpg",
    landmarks: {
      leftEye: [627, 430],
      rightEye: [727, 432],
      nose: [673, 490],
      mouthLeft: [647, 533],
      mouthRight: [707, 535],
    },
  },
  {
    file: "sample3.jpg",
    landmarks: {
      leftEye: [1120, 319],
      rightEye: [1217, 337],
      nose: [1150, 390],
      mouthLeft: [1123, 430],
      mouthRight: [1197, 440],
    },
  },
  {
    file: "sample3.jpg",
    landmarks: {
      leftEye: [1550, 408],
      rightEye: [1650, 403],
      nose: [1600, 463],
      mouthLeft: [1557, 500],
      mouthRight: [1653, 493],
    },
  },
];

/**
 * face-api.js@0.10.0's own FaceRecognitionNet (its float32 weights, tfjs-core 0.11.9, CPU) on
 * {@link syntheticChip}, L2-normalised and rounded to 5 decimals.
 */
const REFERENCE = [
  -0.04281,
  0.10265,
  0.06227,
  -0.01292,
  -0.05563,
  -0.02099,
  -0.06198,
  0.01836,
  0.08468,
  0.00547,
  0.17381,
  -0.01328,
  -0.18323,
  -0.01322,
  -0.03492,
  0.06594,
  -0.09865,
  -0.02764,
  -0.10072,
  -0.0916,
  0.05049,
  0.01391,
  0.00903,
  0.00801,
  -0.09792,
  -0.19764,
  -0.04072,
  -0.09075,
  0.05198,
  -0.17239,
  0.00989,
  0.01903,
  -0.116,
  -0.04286,
  -0.00879,
  0.01235,
  0.01566,
  -0.06665,
  0.12252,
  -0.02107,
  -0.09498,
  -0.03098,
  0.00592,
  0.20681,
  0.14106,
  0.0452,
  0.01886,
  -0.03474,
  0.04482,
  -0.20889,
  0.00399,
  0.12012,
  0.02703,
  0.07876,
  0.03905,
  -0.12058,
  0.0068,
  0.06361,
  -0.09993,
  0.04273,
  0.01089,
  -0.08647,
  -0.03581,
  -0.09389,
  0.17223,
  0.05003,
  -0.07851,
  -0.10405,
  0.1042,
  -0.10679,
  -0.02274,
  0.09253,
  -0.07093,
  -0.11228,
  -0.18239,
  0.05516,
  0.26162,
  0.12659,
  -0.12795,
  0.0177,
  -0.11531,
  -0.02643,
  -0.02045,
  0.02121,
  -0.04704,
  0.01692,
  -0.05591,
  0.06045,
  0.16607,
  -0.07222,
  0.01522,
  0.14231,
  -0.0189,
  0.00111,
  -0.01871,
  0.01508,
  -0.08258,
  0.01058,
  -0.03929,
  0.01192,
  0.09539,
  -0.09379,
  0.01568,
  0.07751,
  -0.13693,
  0.06867,
  -0.01526,
  -0.04163,
  0.01403,
  0.0007,
  -0.06122,
  -0.03764,
  0.1879,
  -0.19489,
  0.181,
  0.18299,
  0.04238,
  0.07937,
  0.03421,
  0.09677,
  -0.00726,
  -0.0235,
  -0.08175,
  -0.05133,
  0.01172,
  -0.01721,
  -0.03039,
  -0.00548,
];

/** A deterministic textured 150×150 chip. */
function syntheticChip(): RgbImage {
  const data = new Uint8Array(150 * 150 * 3);
  for (let y = 0; y < 150; y++) {
    for (let x = 0; x < 150; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * 150 + x) * 3 + c] = (x * 3 + y * 5 + c * 40 + ((x * y) >> 4)) & 255;
      }
    }
  }
  return { width: 150, height: 150, data };
}

function cosine(a: Float32Array, b: Float32Array | number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function mirror(chip: RgbImage): RgbImage {
  const { width, height, data } = chip;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out.set(
        data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3),
        (y * width + width - 1 - x) * 3,
      );
    }
  }
  return { width, height, data: out };
}

/** Halves an image with a 2×2 box filter. */
function halve(image: RgbImage): RgbImage {
  const width = image.width >> 1, height = image.height >> 1, src = image.data;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const p = (2 * y * image.width + 2 * x) * 3 + c, q = p + image.width * 3;
        data[(y * width + x) * 3 + c] = (src[p] + src[p + 3] + src[q] + src[q + 3] + 2) >> 2;
      }
    }
  }
  return { width, height, data };
}

function nearest(points: [number, number][], [x, y]: [number, number]): number {
  const d = points.map(([px, py]) => Math.hypot(px - x, py - y));
  return d.indexOf(Math.min(...d));
}

const photos = new Map<string, RgbImage>();
async function photo(file: string): Promise<RgbImage> {
  let image = photos.get(file);
  if (!image) {
    image = decodeImage(await Deno.readFile(new URL(`../fixtures/npm/${file}`, import.meta.url)));
    photos.set(file, image);
  }
  return image;
}

async function peopleChips(): Promise<RgbImage[]> {
  return await Promise.all(PEOPLE.map(async (p) => alignFace(await photo(p.file), p.landmarks)));
}

/**
 * Test-only: the weights from @vladmandic/face-api's `.bin` (laid out [kh, kw, in, out] like
 * tfjs; uint8 with `min + q * scale` where the manifest gives quantisation, else float32).
 */
function binWeights(bin: Uint8Array): NamedWeights {
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const weights: NamedWeights = new Map();
  let offset = 0;
  for (const { name, shape, quantization } of weightsManifest[0].weights) {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    if (quantization) {
      for (let i = 0; i < n; i++) {
        values[i] = quantization.min + bin[offset + i] * quantization.scale;
      }
      offset += n;
    } else {
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(offset + i * 4, true);
      offset += n * 4;
    }
    weights.set(name, values);
  }
  assert.equal(offset, bin.length, "the .bin holds exactly the manifest's tensors");
  return weights;
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

const hasQuantised = await exists(QUANTISED_BIN);
const hasBbt = await exists(new URL("bbt/", DATA));
if (!hasQuantised) console.log(`skipping the uint8 cross-check: ${QUANTISED_BIN.pathname} absent`);
if (!hasBbt) {
  console.log(`skipping the bbt identification test: ${new URL("bbt/", DATA).pathname} absent`);
}

Deno.test("dlib embedder: identity, unit-norm 128-d vectors, no leaked tensors", async () => {
  const embedder = await createDlibEmbedder();
  assert.equal(embedder, await createDlibEmbedder(), "built once");
  assert.equal(embedder.name, "dlib-resnet-v1");
  assert.equal(embedder.size, 128);
  assert.equal(embedder.inputSize, 150);
  assert.equal(embedder.hash, pinned.files.find((f) => f.name === "dlib-resnet")?.sha256);
  const chips = await peopleChips();
  const before = tf.memory().numTensors;
  for (const flip of [false, true]) {
    const vectors = await embedder.embed(chips.slice(0, 2), { flip });
    assert.equal(vectors.length, 2);
    for (const v of vectors) {
      assert.ok(v instanceof Float32Array && v.length === 128);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
    }
  }
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(await embedder.embed([], { flip: false }), []);
  await assert.rejects(
    embedder.embed([{ width: 112, height: 112, data: new Uint8Array(112 * 112 * 3) }], {
      flip: false,
    }),
    /150x150/,
  );
});

Deno.test("dlib embedder matches face-api.js@0.10.0's own network output", async () => {
  const embedder = await createDlibEmbedder();
  const [v] = await embedder.embed([syntheticChip()], { flip: false });
  const worst = Math.max(...REFERENCE.map((r, i) => Math.abs(r - v[i])));
  assert.ok(worst < 2e-5, `largest difference ${worst}`);
});

Deno.test("dlib embedder: batching keeps order and values; flip is mirror-invariant", async () => {
  const embedder = await createDlibEmbedder();
  const people = await peopleChips();
  // 18 chips: more than one chunk of 16.
  const batch = Array.from({ length: 18 }, (_, i) => people[i % people.length]);
  const together = await embedder.embed(batch, { flip: false });
  const alone = await Promise.all(
    people.map(async (chip) => (await embedder.embed([chip], { flip: false }))[0]),
  );
  together.forEach((v, i) => {
    const worst = Math.max(...v.map((x, k) => Math.abs(x - alone[i % people.length][k])));
    assert.ok(worst < 1e-5, `chip ${i}: ${worst}`);
  });

  const [flipped] = await embedder.embed([people[0]], { flip: true });
  const [flippedMirror] = await embedder.embed([mirror(people[0])], { flip: true });
  const [plainMirror] = await embedder.embed([mirror(people[0])], { flip: false });
  assert.ok(cosine(flipped, flippedMirror) > 0.99999, "flip(chip) = flip(mirror(chip))");
  const sum = alone[0].map((x, k) => x + plainMirror[k]);
  assert.ok(cosine(flipped, sum) > 0.99999, "flip averages the chip and its mirror");
  assert.ok(cosine(flipped, alone[0]) < 0.9999, "flip changes the vector");
});

Deno.test("MTCNN + align + dlib: a face at two scales matches, faces in one photo do not", async () => {
  const detector = await createMtcnnDetector();
  const embedder = await createDlibEmbedder();
  for (const file of ["sample1.jpg", "sample3.jpg"]) {
    const full = await photo(file);
    const half = halve(full);
    const facesFull = await detector.detect(full, { minFace: 80 });
    const facesHalf = await detector.detect(half, { minFace: 40 });
    assert.equal(facesFull.length, 3, `${file}: three faces at full size`);
    assert.equal(facesHalf.length, 3, `${file}: three faces at half size`);
    const a = await embedder.embed(facesFull.map((f) => alignFace(full, f.landmarks)), {
      flip: false,
    });
    const b = await embedder.embed(facesHalf.map((f) => alignFace(half, f.landmarks)), {
      flip: false,
    });
    for (const v of [...a, ...b]) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
    facesFull.forEach((face, i) => {
      // The same face in the half-size photo: the detection whose box centre is nearest.
      const cx = (face.box.x + face.box.width / 2) / 2, cy = (face.box.y + face.box.height / 2) / 2;
      const j = nearest(
        facesHalf.map((h) => [h.box.x + h.box.width / 2, h.box.y + h.box.height / 2]),
        [cx, cy],
      );
      const same = cosine(a[i], b[j]);
      assert.ok(same > 0.98, `${file} face ${i} at full and half size: cosine ${same}`);
      // People in one photo are different people. dlib vectors share a cone (unrelated faces
      // still score ~0.85-0.92), hence the modest bound.
      for (let k = 0; k < a.length; k++) {
        if (k !== i) assert.ok(cosine(a[i], a[k]) < 0.95, `${file} faces ${i} and ${k}`);
      }
    });
  }
});

Deno.test({
  name: "dlib float32 weights agree with the independent (mostly uint8-quantised) copy",
  ignore: !hasQuantised,
  fn: async () => {
    const embedder = await createDlibEmbedder();
    const before = tf.memory().numTensors;
    const quantised = buildDlibEmbedder(binWeights(await Deno.readFile(QUANTISED_BIN)), "");
    const chips = [...await peopleChips(), syntheticChip()];
    const exact = await embedder.embed(chips, { flip: false });
    const approx = await quantised.embed(chips, { flip: false });
    quantised.dispose();
    assert.equal(tf.memory().numTensors, before);
    exact.forEach((v, i) => {
      const c = cosine(v, approx[i]);
      assert.ok(c > 0.99, `chip ${i}: cosine ${c}`);
    });
  },
});

Deno.test({
  name: "dlib embedder: bbt crops, leave-one-out rank-1 identification is 100%",
  ignore: !hasBbt,
  fn: async () => {
    const names = ["amy", "bernadette", "howard", "leonard", "penny", "raj", "sheldon", "stuart"];
    const chips: RgbImage[] = [];
    const labels: string[] = [];
    for (const name of names) {
      for (let i = 1; i <= 5; i++) {
        const chip = decodeImage(await Deno.readFile(new URL(`bbt/${name}/${name}${i}.png`, DATA)));
        assert.equal(chip.width, 150);
        chips.push(chip);
        labels.push(name);
      }
    }
    const vectors = await (await createDlibEmbedder()).embed(chips, { flip: false });
    const wrong: string[] = [];
    vectors.forEach((v, i) => {
      let best = -Infinity, match = -1;
      vectors.forEach((w, j) => {
        const c = j === i ? -Infinity : cosine(v, w);
        if (c > best) [best, match] = [c, j];
      });
      if (labels[match] !== labels[i]) wrong.push(`${labels[i]}${i % 5 + 1} -> ${labels[match]}`);
    });
    assert.deepEqual(wrong, []);
  },
});
