/** Embeddings as text: base64 of the little-endian float32 bytes, exact to the bit. */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Encodes float32 values as base64 of their little-endian bytes.
 *
 * @example
 * encodeEmbedding(new Float32Array([1])); // "AACAPw=="
 */
export function encodeEmbedding(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return bytes.toBase64();
}

/**
 * Decodes base64 little-endian float32 bytes; throws a `SyntaxError` whose message describes the
 * problem when the text is not canonical base64 of a whole number of float32 values.
 *
 * @example
 * decodeEmbedding("AACAPw=="); // Float32Array [1]
 */
export function decodeEmbedding(text: string): Float32Array {
  if (!BASE64.test(text) || text.length % 4 !== 0) {
    throw new SyntaxError("embedding is not valid base64");
  }
  const bytes = Uint8Array.fromBase64(text, { lastChunkHandling: "strict" });
  if (bytes.length % 4 !== 0) {
    throw new SyntaxError(`embedding has ${bytes.length} bytes, not a whole number of float32s`);
  }
  const view = new DataView(bytes.buffer);
  const values = new Float32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}
