/**
 * Builds src/image/fixed6x13.bin, the label font, from the X11 misc-fixed 6x13 BDF (public domain;
 * Debian's xfonts-base ships it as a PCF). Keeps Latin (U+0020–024F, U+1E00–1EFF), combining
 * accents, Greek, Cyrillic, general punctuation and U+FFFD (the fallback). Made with:
 *
 *   apt-get install -y pcf2bdf && apt-get download xfonts-base && dpkg -x xfonts-base_*.deb x
 *   zcat x/usr/share/fonts/X11/misc/6x13.pcf.gz > 6x13.pcf && pcf2bdf -o 6x13.bdf 6x13.pcf
 *   deno task font 6x13.bdf
 *
 * File layout (little-endian): "FPF1", width, height, ascent, 0, u16 run count, runs of
 * (u16 first code point, u16 length), then `height` bytes per glyph (one row each, leftmost pixel
 * in bit 7), glyphs in code point order.
 */
const KEEP: [number, number][] = [
  [0x0020, 0x024f],
  [0x0300, 0x036f],
  [0x0370, 0x03ff],
  [0x0400, 0x04ff],
  [0x1e00, 0x1eff],
  [0x2010, 0x205e],
  [0x20ac, 0x20ac],
  [0xfffd, 0xfffd],
];

/** Parses a BDF font's size and each glyph's rows (6x13 cells only, as misc-fixed 6x13 has). */
function parseBdf(text: string) {
  const box = /^FONTBOUNDINGBOX (\d+) (\d+) (-?\d+) (-?\d+)$/m.exec(text);
  if (!box) throw new Error("not a BDF font: no FONTBOUNDINGBOX");
  const [width, height, , yOffset] = box.slice(1).map(Number);
  const glyphs = new Map<number, number[]>();
  for (const block of text.split("STARTCHAR").slice(1)) {
    const code = Number(/^ENCODING (\d+)$/m.exec(block)?.[1]);
    const bbx = /^BBX (\d+) (\d+) (-?\d+) (-?\d+)$/m.exec(block)?.slice(1).map(Number);
    if (!bbx || bbx[0] !== width || bbx[1] !== height || bbx[3] !== yOffset) {
      throw new Error(
        `glyph U+${code.toString(16)}: only full ${width}x${height} cells are handled`,
      );
    }
    const bitmap = block.split("BITMAP")[1].split("ENDCHAR")[0].trim().split(/\s+/);
    glyphs.set(code, bitmap.map((hex) => parseInt(hex, 16)));
  }
  return { width, height, ascent: height + yOffset, glyphs };
}

/** The compact font file for `bdf`. */
export function buildFont(bdf: string): Uint8Array {
  const { width, height, ascent, glyphs } = parseBdf(bdf);
  const codes = [...glyphs.keys()]
    .filter((c) => KEEP.some(([a, b]) => c >= a && c <= b))
    .sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const c of codes) {
    const last = runs.at(-1);
    if (last && last[0] + last[1] === c) last[1]++;
    else runs.push([c, 1]);
  }
  const out = new Uint8Array(10 + 4 * runs.length + height * codes.length);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("FPF1"));
  out.set([width, height, ascent, 0], 4);
  view.setUint16(8, runs.length, true);
  runs.forEach(([first, length], i) => {
    view.setUint16(10 + 4 * i, first, true);
    view.setUint16(12 + 4 * i, length, true);
  });
  let at = 10 + 4 * runs.length;
  for (const c of codes) {
    out.set(glyphs.get(c)!, at);
    at += height;
  }
  return out;
}

if (import.meta.main) {
  const [source] = Deno.args;
  if (!source) throw new Error("usage: deno task font 6x13.bdf");
  const bytes = buildFont(await Deno.readTextFile(source));
  const target = new URL("../src/image/fixed6x13.bin", import.meta.url);
  await Deno.writeFile(target, bytes);
  console.error(`font: ${bytes.length} bytes → src/image/fixed6x13.bin`);
}
