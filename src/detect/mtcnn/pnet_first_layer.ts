/**
 * P-Net's first layer — 3×3 conv (3 → 10 channels), bias, PReLU, 2×2 max pooling ("same") — on a
 * small WebAssembly SIMD kernel of faceprint's own (pnet_first_layer.c, built by `deno task wasm`)
 * instead of tfjs-wasm, whose conv handles 3 input channels and 10 outputs poorly (a third of its
 * usual speed: this layer took 30% of P-Net's time for 15% of its arithmetic).
 */
import kernel from "./pnet_first_layer.wasm" with { type: "bytes" };

/** An image with `channels` float samples per pixel, row-major. */
export interface FloatMap {
  width: number;
  height: number;
  data: Float32Array;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  reserve(inputFloats: number, outputFloats: number): number;
  weights(): number;
  input(): number;
  output(): number;
  run(height: number, width: number): void;
}

/** Output channels of the layer, and the kernel's lanes per tap (padded to whole SIMD vectors). */
const CHANNELS = 10;
const LANES = 12;
const TAPS = 27;

let compiled: WebAssembly.Module | null = null;

/** The layer with its weights, on its own kernel instance (not shared between threads). */
export class PNetFirstLayer {
  #kernel: KernelExports;

  /**
   * `filter` is `[3, 3, 3, 10]` (height, width, input channel, output channel) as tfjs lays it
   * out; `bias` and `slope` (PReLU) have 10 values.
   */
  constructor(filter: Float32Array, bias: Float32Array, slope: Float32Array) {
    if (
      filter.length !== TAPS * CHANNELS || bias.length !== CHANNELS || slope.length !== CHANNELS
    ) {
      throw new Error("P-Net first layer: expected a 3x3x3x10 filter and 10 biases and slopes");
    }
    compiled ??= new WebAssembly.Module(kernel);
    this.#kernel = new WebAssembly.Instance(compiled).exports as unknown as KernelExports;
    const params = new Float32Array(
      this.#kernel.memory.buffer,
      this.#kernel.weights(),
      (TAPS + 2) * LANES,
    );
    params.fill(0);
    for (let tap = 0; tap < TAPS; tap++) {
      params.set(filter.subarray(tap * CHANNELS, (tap + 1) * CHANNELS), tap * LANES);
    }
    params.set(bias, TAPS * LANES);
    params.set(slope, (TAPS + 1) * LANES);
  }

  /**
   * The pooled feature map of an RGB float image (at least 3×3): `ceil((h−2)/2)` ×
   * `ceil((w−2)/2)` × 10. Its data is a view of the kernel's memory, valid until the next call.
   *
   * @example
   * const pooled = layer.run(level); // then tf.tensor4d(pooled.data, [1, h, w, 10])
   */
  run(image: FloatMap): FloatMap {
    const { width, height } = image;
    if (width < 3 || height < 3) throw new Error("P-Net first layer: image smaller than 3x3");
    const pooledWidth = Math.ceil((width - 2) / 2), pooledHeight = Math.ceil((height - 2) / 2);
    const k = this.#kernel;
    if (k.reserve(width * height * 3, pooledWidth * pooledHeight * CHANNELS) !== 0) {
      throw new Error("P-Net first layer: out of memory");
    }
    new Float32Array(k.memory.buffer, k.input(), width * height * 3).set(
      image.data.subarray(0, width * height * 3),
    );
    k.run(height, width);
    return {
      width: pooledWidth,
      height: pooledHeight,
      data: new Float32Array(k.memory.buffer, k.output(), pooledWidth * pooledHeight * CHANNELS),
    };
  }
}
