/**
 * A byte buffer that decoded pixels are copied into, reused from one image to the next: a run of
 * photos then allocates (and the process's allocator fragments) one image-sized block, not one
 * per photo.
 */

/**
 * Largest buffer kept for reuse: 32 MiB (a ~11 MP RGB image). Larger images get a buffer of their
 * own, freed with them, so one huge photo does not pin its size for the rest of a run.
 */
export const PIXEL_SCRATCH_MAX_BYTES = 32 << 20;

/**
 * Reusable pixel memory for decoding. What {@link PixelScratch.take} returns is overwritten by the
 * next `take`, so one scratch serves one image at a time.
 */
export class PixelScratch {
  #buffer = new Uint8Array(0);

  /**
   * `length` bytes to write into (contents undefined): a view of the kept buffer, grown when too
   * small, or a fresh array above {@link PIXEL_SCRATCH_MAX_BYTES}.
   */
  take(length: number): Uint8Array {
    if (length > PIXEL_SCRATCH_MAX_BYTES) return new Uint8Array(length);
    if (this.#buffer.length < length) this.#buffer = new Uint8Array(length);
    return this.#buffer.subarray(0, length);
  }
}
