import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/decode.ts";
import { encodePng } from "../../src/image/encode_png.ts";
import { crc32, PNG_SIGNATURE } from "./builders.ts";

Deno.test("encodePng: valid chunks (CRC-checked), exact round trip, any level", () => {
  const width = 37;
  const height = 23;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + Math.floor(i / 111) * 7) & 255;
  const image = { width, height, data };
  const png = encodePng(image);
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
  const view = new DataView(png.buffer, png.byteOffset);
  const types: string[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    types.push(String.fromCharCode(...png.subarray(at + 4, at + 8)));
    assert.equal(view.getUint32(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  assert.deepEqual(types, ["IHDR", "IDAT", "IEND"]);
  assert.deepEqual([view.getUint32(16), view.getUint32(20), png[24], png[25]], [37, 23, 8, 2]);
  assert.deepEqual(decodeImage(png), image);
  const fast = encodePng(image, 0);
  assert.ok(fast.length > png.length);
  assert.deepEqual(decodeImage(fast), image);
});
