/** The one error type the image stage throws: a short, one-line reason a person can act on. */

/**
 * A decoding or encoding failure with a one-line message such as `truncated JPEG`,
 * `unsupported format: webp` or `image is 40000x30000 (1200 MP), above the limit of 50 MP`.
 */
export class ImageError extends Error {
  override name = "ImageError";
}
