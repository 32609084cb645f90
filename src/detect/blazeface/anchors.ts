/**
 * Anchor centres of MediaPipe's 256×256 BlazeFace model (the one @vladmandic/human ships):
 * a 16×16 grid with 2 anchors per cell (stride 16) followed by an 8×8 grid with 6 anchors per
 * cell (stride 32), 896 in all, in the order the model's outputs list them.
 */

/** Side of the square model input in pixels. */
export const BLAZEFACE_INPUT_SIZE = 256;

const LAYERS = [
  { stride: 16, perCell: 2 },
  { stride: 32, perCell: 6 },
];

/**
 * Centres `[x0, y0, x1, y1, …]` of the 896 anchors, in pixels of the 256×256 input
 * (cell centres, row-major, the anchors of one cell adjacent).
 *
 * @example
 * const anchors = blazeFaceAnchors();
 * anchors.length; // 1792
 * [anchors[0], anchors[1]]; // [8, 8]
 */
export function blazeFaceAnchors(): Float32Array {
  const centres: number[] = [];
  for (const { stride, perCell } of LAYERS) {
    const cells = Math.ceil(BLAZEFACE_INPUT_SIZE / stride);
    for (let row = 0; row < cells; row++) {
      for (let col = 0; col < cells; col++) {
        for (let n = 0; n < perCell; n++) centres.push((col + 0.5) * stride, (row + 0.5) * stride);
      }
    }
  }
  return new Float32Array(centres);
}
