import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initTf } from "../../src/runtime/tf.ts";
import { PNetFirstLayer } from "../../src/detect/mtcnn/pnet_first_layer.ts";

await initTf();

/** Deterministic values in [lo, hi). */
function seeded(length: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return lo + (hi - lo) * (s / 2 ** 32);
  });
}

/** tfjs's answer: conv (valid) + bias, PReLU, then 2×2 max pooling at stride 2, "same". */
function reference(
  image: { width: number; height: number; data: Float32Array },
  filter: Float32Array,
  bias: Float32Array,
  slope: Float32Array,
): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(image.data, [1, image.height, image.width, 3]);
    const conv = tf.add(tf.conv2d(x, tf.tensor4d(filter, [3, 3, 3, 10]), 1, "valid"), bias);
    const activated = tf.prelu(conv, tf.tensor1d(slope));
    return tf.maxPool(activated as tf.Tensor4D, 2, 2, "same").dataSync() as Float32Array;
  });
}

Deno.test("P-Net first layer kernel equals tfjs conv + PReLU + 2x2 'same' max pool, any size", () => {
  const filter = seeded(270, 1, -0.02, 0.02);
  const bias = seeded(10, 2, -1, 1);
  // Negative slopes too: PReLU is then not monotonic, so it must come before the max.
  const slope = seeded(10, 3, -1.3, 1);
  const layer = new PNetFirstLayer(filter, bias, slope);
  for (const [width, height] of [[12, 12], [13, 17], [40, 33], [97, 64], [3, 3], [720, 91]]) {
    const image = { width, height, data: seeded(width * height * 3, width * height, 0, 255) };
    const expected = reference(image, filter, bias, slope);
    const pooled = layer.run(image);
    assert.equal(pooled.width, Math.ceil((width - 2) / 2), `${width}x${height}`);
    assert.equal(pooled.height, Math.ceil((height - 2) / 2), `${width}x${height}`);
    assert.equal(pooled.data.length, expected.length);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(pooled.data[i] - expected[i]));
    }
    assert.ok(worst < 1e-4, `${width}x${height}: max difference ${worst}`);
  }
});

Deno.test("P-Net first layer refuses wrong weight shapes and images under 3x3", () => {
  assert.throws(() =>
    new PNetFirstLayer(new Float32Array(27), new Float32Array(10), new Float32Array(10))
  );
  const layer = new PNetFirstLayer(
    new Float32Array(270),
    new Float32Array(10),
    new Float32Array(10),
  );
  assert.throws(() => layer.run({ width: 2, height: 5, data: new Float32Array(30) }), /3x3/);
});

/**
 * The compiler the committed kernel was built with (Debian 12's clang and lld). Other versions
 * generate other, equally valid bytes, so the byte comparison runs only with this one.
 */
const KERNEL_COMPILER = "Debian clang version 14.";

/** `clang --version`'s first line, or null when clang is not installed. */
function compilerVersion(compiler: string): string | null {
  try {
    const run = new Deno.Command(compiler, { args: ["--version"] }).outputSync();
    return new TextDecoder().decode(run.stdout).split("\n")[0];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

Deno.test("the committed kernel is the build of pnet_first_layer.c (deno task wasm)", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const [compiler, ...args] = (config.tasks.wasm as string).split(" ");
  const version = compilerVersion(compiler);
  if (!version?.startsWith(KERNEL_COMPILER)) {
    console.log(
      `skipped: the kernel is built with ${KERNEL_COMPILER}x and lld (apt-get install clang lld ` +
        `on Debian 12); here: ${version ?? `no ${compiler}`}`,
    );
    return;
  }
  const out = await Deno.makeTempFile({ suffix: ".wasm" });
  try {
    const build = new Deno.Command(compiler, {
      args: args.map((a) => a.endsWith("pnet_first_layer.wasm") ? out : a),
      cwd: new URL("../../", import.meta.url),
    }).outputSync();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));
    assert.deepEqual(
      Deno.readFileSync(out),
      Deno.readFileSync(new URL("../../src/detect/mtcnn/pnet_first_layer.wasm", import.meta.url)),
      "run `deno task wasm` and commit the result",
    );
  } finally {
    await Deno.remove(out);
  }
});
