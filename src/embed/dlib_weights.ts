/**
 * The dlib ResNet-34 face-recognition weights as named float arrays in tfjs layouts, decoded from
 * face-api.js's raw float32 file.
 */
import weightsManifest from "../../models/face_recognition_model-weights_manifest.json" with {
  type: "json",
};

/** One weight tensor: its name and its tfjs shape (conv filters `[kh, kw, in, out]`). */
export interface WeightSpec {
  name: string;
  shape: number[];
}

/** Weight tensors by name, each flattened row-major in its {@link WeightSpec} shape. */
export type NamedWeights = Map<string, Float32Array>;

/**
 * Every tensor of the network in storage order (the order face-api.js's `extractParams` reads
 * the float32 file, which is also the uint8 `.bin`'s order), with tfjs shapes.
 */
export const DLIB_RESNET_WEIGHT_SPECS: readonly WeightSpec[] = weightsManifest[0].weights.map((
  { name, shape },
) => ({ name, shape }));

/**
 * Decodes face-api.js's `face_recognition_model.weights` (raw little-endian float32; conv filters
 * stored `[out, in, kh, kw]`, the final fc stored `[128, 256]`) into tfjs layouts.
 *
 * @example
 * const weights = decodeDlibFloat32Weights(bytes);
 * weights.get("fc")!.length; // 256 * 128, laid out [256, 128]
 */
export function decodeDlibFloat32Weights(bytes: Uint8Array): NamedWeights {
  const total = DLIB_RESNET_WEIGHT_SPECS.reduce((n, s) => n + size(s.shape), 0);
  if (bytes.length !== total * 4) {
    throw new Error(`dlib weights: expected ${total * 4} bytes, got ${bytes.length}`);
  }
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const values = new Float32Array(aligned.buffer, aligned.byteOffset, total);
  const weights: NamedWeights = new Map();
  let offset = 0;
  for (const { name, shape } of DLIB_RESNET_WEIGHT_SPECS) {
    const n = size(shape);
    const stored = values.subarray(offset, offset + n);
    offset += n;
    if (shape.length === 4) weights.set(name, outInHwToHwInOut(stored, shape));
    else if (shape.length === 2) weights.set(name, transpose2d(stored, shape[1], shape[0]));
    else weights.set(name, stored.slice());
  }
  return weights;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[out, in, kh, kw]` values to a `[kh, kw, in, out]` array (`shape` is the target shape). */
function outInHwToHwInOut(src: Float32Array, shape: number[]): Float32Array {
  const [kh, kw, cin, cout] = shape;
  const dst = new Float32Array(src.length);
  let s = 0;
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) dst[((y * kw + x) * cin + i) * cout + o] = src[s++];
      }
    }
  }
  return dst;
}

/** Transposes a row-major `rows`×`cols` matrix. */
function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
  }
  return dst;
}
