import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { loadGraphEmbedder } from "../../src/embed/graph_model.ts";
import { decodeJpeg } from "../../src/image/decode.ts";
import type { Box, RgbImage } from "../../src/types.ts";

const fixtures = new URL("../fixtures/npm/", import.meta.url);
const FACERES = new URL("faceres.json", fixtures).pathname;
const FACERES_OPTIONS = { normalization: "raw", outputNode: "global_pooling/Mean" } as const;
const embedderPromise = loadGraphEmbedder(FACERES, FACERES_OPTIONS);

/** Bilinear resize of a box of `image` to a `size`×`size` chip (edges clamped). */
function cropChip(image: RgbImage, box: Box, size: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  const pixel = (x: number, y: number, c: number) => {
    const cx = Math.min(image.width - 1, Math.max(0, x));
    const cy = Math.min(image.height - 1, Math.max(0, y));
    return image.data[(cy * image.width + cx) * 3 + c];
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = box.x + (x + 0.5) * box.width / size - 0.5;
      const sy = box.y + (y + 0.5) * box.height / size - 0.5;
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const top = pixel(x0, y0, c) * (1 - fx) + pixel(x0 + 1, y0, c) * fx;
        const bottom = pixel(x0, y0 + 1, c) * (1 - fx) + pixel(x0 + 1, y0 + 1, c) * fx;
        data[(y * size + x) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width: size, height: size, data };
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

async function sha256Hex(parts: Uint8Array[]): Promise<string> {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (joined.set(p, offset), offset + p.length), 0);
  const digest = await crypto.subtle.digest("SHA-256", joined);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Face boxes (x, y, side) read off sample6.jpg: four women, upright, frontal.
const SAMPLE6_FACES: [number, number, number][] = [
  [238, 535, 220],
  [1137, 348, 247],
  [655, 384, 236],
  [1472, 322, 233],
];

Deno.test("graph embedder loads faceres with its size, name and hash", async () => {
  const embedder = await embedderPromise;
  assert.equal(embedder.name, "graph:faceres.json");
  assert.equal(embedder.inputSize, 224);
  assert.equal(embedder.size, 1024);
  const expected = await sha256Hex([
    await Deno.readFile(new URL("faceres.json", fixtures)),
    await Deno.readFile(new URL("faceres.bin", fixtures)),
  ]);
  assert.equal(embedder.hash, expected);
});

Deno.test("graph embedder: unit vectors, deterministic, two crops of a face closer than others", async () => {
  const embedder = await embedderPromise;
  const photo = decodeJpeg(await Deno.readFile(new URL("sample6.jpg", fixtures)));
  const tight = SAMPLE6_FACES.map(([x, y, side]) =>
    cropChip(photo, { x, y, width: side, height: side }, 224)
  );
  // The same faces cropped differently: 10% larger and moved up-left by 5% of the side.
  const loose = SAMPLE6_FACES.map(([x, y, side]) =>
    cropChip(
      photo,
      { x: x - 0.1 * side, y: y - 0.1 * side, width: 1.1 * side, height: 1.1 * side },
      224,
    )
  );
  const before = tf.memory().numTensors;
  const a = await embedder.embed(tight, { flip: false });
  const b = await embedder.embed(loose, { flip: false });
  assert.equal(tf.memory().numTensors, before, "no tensors leaked");
  for (const v of [...a, ...b]) {
    assert.equal(v.length, 1024);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  }
  for (let i = 0; i < a.length; i++) {
    const sameFace = dot(a[i], b[i]);
    for (let j = 0; j < b.length; j++) {
      if (j !== i) assert.ok(sameFace > dot(a[i], b[j]) + 0.05, `face ${i} vs ${j}`);
    }
  }
  const again = await embedder.embed([tight[2]], { flip: false });
  assert.ok(again[0].every((v, k) => Math.abs(v - a[2][k]) < 1e-5), "same chip, same vector");
});

Deno.test("graph embedder flip averages a chip with its mirror image", async () => {
  const embedder = await embedderPromise;
  const photo = decodeJpeg(await Deno.readFile(new URL("sample6.jpg", fixtures)));
  const chip = cropChip(photo, { x: 655, y: 384, width: 236, height: 236 }, 224);
  const mirror: RgbImage = { ...chip, data: new Uint8Array(chip.data.length) };
  for (let y = 0; y < 224; y++) {
    for (let x = 0; x < 224; x++) {
      const from = (y * 224 + 223 - x) * 3;
      mirror.data.set(chip.data.subarray(from, from + 3), (y * 224 + x) * 3);
    }
  }
  const [plain, mirrored] = await embedder.embed([chip, mirror], { flip: false });
  const [flipped] = await embedder.embed([chip], { flip: true });
  const expected = plain.map((v, i) => v + mirrored[i]);
  const scale = 1 / norm(expected);
  assert.ok(flipped.every((v, i) => Math.abs(v - expected[i] * scale) < 1e-4));
  assert.ok(Math.abs(norm(flipped) - 1) < 1e-5);
});

Deno.test("graph embedder rejects chips of the wrong size", async () => {
  const embedder = await embedderPromise;
  const chip = { width: 150, height: 150, data: new Uint8Array(150 * 150 * 3) };
  await assert.rejects(embedder.embed([chip], { flip: false }), /224x224, got 150x150/);
});

/**
 * A tiny graph model: input `inputShape` (default [batch, 4, 4, 3]), output twice the mean over
 * `axes` (default [1, 2]: one value per channel); the axes and the factor 2 are weights stored in
 * two shards of two manifest groups.
 */
async function writeTinyModel(
  dir: string,
  { inputShape = [-1, 4, 4, 3], axes = [1, 2] } = {},
): Promise<string> {
  const shape = { dim: inputShape.map((size) => ({ size: String(size) })) };
  const constant = (name: string, dtype: string, dims: number[]) => ({
    name,
    op: "Const",
    attr: {
      value: {
        tensor: { dtype, tensorShape: { dim: dims.map((size) => ({ size: String(size) })) } },
      },
      dtype: { type: dtype },
    },
  });
  const node = [
    { name: "input", op: "Placeholder", attr: { dtype: { type: "DT_FLOAT" }, shape: { shape } } },
    constant("axes", "DT_INT32", [axes.length]),
    constant("scale", "DT_FLOAT", []),
    {
      name: "mean",
      op: "Mean",
      input: ["input", "axes"],
      attr: { keep_dims: { b: false }, T: { type: "DT_FLOAT" }, Tidx: { type: "DT_INT32" } },
    },
    { name: "out", op: "Mul", input: ["mean", "scale"], attr: { T: { type: "DT_FLOAT" } } },
  ];
  const json = {
    format: "graph-model",
    modelTopology: { node, versions: { producer: 1 } },
    weightsManifest: [
      { paths: ["tiny-1.bin"], weights: [{ name: "axes", shape: [axes.length], dtype: "int32" }] },
      { paths: ["tiny-2.bin"], weights: [{ name: "scale", shape: [], dtype: "float32" }] },
    ],
  };
  await Deno.writeTextFile(`${dir}/tiny.json`, JSON.stringify(json));
  await Deno.writeFile(`${dir}/tiny-1.bin`, new Uint8Array(new Int32Array(axes).buffer));
  await Deno.writeFile(`${dir}/tiny-2.bin`, new Uint8Array(new Float32Array([2]).buffer));
  return `${dir}/tiny.json`;
}

const solidChip = (size: number, rgb: number[]): RgbImage => ({
  width: size,
  height: size,
  data: new Uint8Array(size * size * 3).map((_, i) => rgb[i % 3]),
});

Deno.test("graph embedder reads shards of several groups and applies each normalization", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeTinyModel(dir);
    const expect = async (normalization: string, rgb: number[], want: number[]) => {
      const embedder = await loadGraphEmbedder(path, {
        normalization: normalization as "raw",
      });
      assert.equal(embedder.inputSize, 4);
      assert.equal(embedder.size, 3);
      assert.equal(embedder.name, "graph:tiny.json");
      const [v] = await embedder.embed([solidChip(4, rgb)], { flip: false });
      const length = Math.hypot(...want);
      want.forEach((w, i) => assert.ok(Math.abs(v[i] - w / length) < 1e-5, normalization));
    };
    await expect("raw", [10, 20, 30], [10, 20, 30]);
    await expect("zero-one", [255, 0, 51], [1, 0, 0.2]);
    await expect("minus-one-one", [255, 255, 0], [1, 1, -1]);
    await expect("dlib", [250, 117.001, 0], [250 - 122.782, 0, -104.298]);
    // Each chip is standardised over all its values: (x − 20) / std(10, 20, 30).
    await expect("standardize", [10, 20, 31], [10 - 61 / 3, 20 - 61 / 3, 31 - 61 / 3]);
    await writeTinyModel(dir, { inputShape: [-1, -1, -1, 3] });
    const sized = await loadGraphEmbedder(path, { normalization: "raw", inputSize: 6 });
    assert.equal(sized.inputSize, 6);
    const [v] = await sized.embed([solidChip(6, [0, 3, 4])], { flip: false });
    assert.deepEqual([...v], [0, Math.fround(0.6), Math.fround(0.8)]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("graph embedder errors name the file and the problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const raw = { normalization: "raw" } as const;
    await assert.rejects(
      loadGraphEmbedder(`${dir}/absent.json`, raw),
      (e: Error) => e.message.includes(`${dir}/absent.json`) && /not found/.test(e.message),
    );
    await Deno.writeTextFile(`${dir}/broken.json`, "{ not json");
    await assert.rejects(
      loadGraphEmbedder(`${dir}/broken.json`, raw),
      (e: Error) => e.message.includes(`${dir}/broken.json`) && /not valid JSON/.test(e.message),
    );
    await Deno.writeTextFile(`${dir}/other.json`, JSON.stringify({ hello: 1 }));
    await assert.rejects(loadGraphEmbedder(`${dir}/other.json`, raw), /not a tfjs graph model/);

    const path = await writeTinyModel(dir);
    await Deno.remove(`${dir}/tiny-2.bin`);
    await assert.rejects(
      loadGraphEmbedder(path, raw),
      (e: Error) => e.message.includes(`${dir}/tiny-2.bin`) && /weight shard/.test(e.message),
    );
    await Deno.writeFile(`${dir}/tiny-2.bin`, new Uint8Array(2));
    await assert.rejects(
      loadGraphEmbedder(path, raw),
      /shards hold 10 bytes, the manifest needs 12/,
    );

    await writeTinyModel(dir, { inputShape: [-1, 4, 3] });
    await assert.rejects(loadGraphEmbedder(path, raw), /tiny\.json: input has rank 3/);
    await writeTinyModel(dir, { axes: [3] });
    await assert.rejects(
      loadGraphEmbedder(path, raw),
      /tiny\.json: output out has shape \[1,4,4\], not \[batch, n\] after squeeze/,
    );
    await writeTinyModel(dir);
    await assert.rejects(
      loadGraphEmbedder(path, { ...raw, outputNode: "nope" }),
      /tiny\.json: running output nope failed/,
    );
    await assert.rejects(
      loadGraphEmbedder(path, { ...raw, inputSize: 6 }),
      /inputSize 6 does not fit input shape \[-1,4,4,3\]/,
    );
    await writeTinyModel(dir, { inputShape: [-1, -1, -1, 3] });
    await assert.rejects(loadGraphEmbedder(path, raw), /give inputSize/);
    await assert.rejects(
      loadGraphEmbedder(path, { normalization: "bgr" as "raw" }),
      /unknown normalization "bgr"/,
    );
    await assert.rejects(
      loadGraphEmbedder(FACERES, { normalization: "raw" }),
      /faceres\.json: the model has 3 outputs .*global_pooling\/Mean.*choose one with outputNode/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
