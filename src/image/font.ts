/**
 * The label font: X11 misc-fixed 6x13 (public domain), Latin, Greek, Cyrillic, combining accents
 * and punctuation, embedded as a 16.7 KB file built by `deno task font` (see tasks/font.ts).
 * Characters outside it are drawn as U+FFFD, the replacement character (a diamond with "?").
 */
import fontFile from "./fixed6x13.bin" with { type: "bytes" };

/** Cell width and height in font pixels (the glyphs include their own spacing). */
export const GLYPH_WIDTH = fontFile[4];
export const GLYPH_HEIGHT = fontFile[5];

/** One glyph to draw: its rows (leftmost pixel in bit 7), and whether it is an accent drawn over
 * the previous glyph instead of taking a cell of its own. */
export interface Glyph {
  rows: Uint8Array;
  combining: boolean;
}

const FALLBACK = 0xfffd;

/** Code point → offset of its rows in the file. */
const offsets = (() => {
  const view = new DataView(fontFile.buffer, fontFile.byteOffset, fontFile.byteLength);
  const runs = view.getUint16(8, true);
  const map = new Map<number, number>();
  let at = 10 + 4 * runs;
  for (let i = 0; i < runs; i++) {
    const first = view.getUint16(10 + 4 * i, true);
    const length = view.getUint16(12 + 4 * i, true);
    for (let k = 0; k < length; k++, at += GLYPH_HEIGHT) map.set(first + k, at);
  }
  return map;
})();

/** Whether the font has a glyph of its own for `char` (one code point). */
export function hasGlyph(char: string): boolean {
  return offsets.has(char.codePointAt(0)!);
}

/**
 * The glyphs of `text`, composed first (NFC: "e" + U+0301 becomes "é"); each character the font
 * lacks becomes U+FFFD, so a missing glyph is visible instead of silently dropped.
 *
 * @example
 * labelGlyphs("José").length; // 4
 */
export function labelGlyphs(text: string): Glyph[] {
  return [...text.normalize("NFC")].map((char) => {
    const code = char.codePointAt(0)!;
    const at = offsets.get(code) ?? offsets.get(FALLBACK)!;
    return {
      rows: fontFile.subarray(at, at + GLYPH_HEIGHT),
      combining: code >= 0x300 && code <= 0x36f && offsets.has(code),
    };
  });
}
