/** Alpha handling shared by the decoders: every decoded image is opaque RGB. */

/**
 * One colour channel `value` with coverage `alpha` (both 0–255) composited over white.
 *
 * @example
 * overWhite(0, 128); // 127: half-transparent black becomes mid grey
 */
export function overWhite(value: number, alpha: number): number {
  return alpha === 255 ? value : ((value * alpha + 255 * (255 - alpha) + 127) / 255) | 0;
}
