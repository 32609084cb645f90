/**
 * Names outside ASCII in annotated images: each character of a Latin, Greek or Cyrillic name is
 * drawn with its own glyph, and a character the font lacks shows the visible U+FFFD fallback.
 */
import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/decode.ts";
import { GLYPH_HEIGHT, GLYPH_WIDTH, labelGlyphs } from "../../src/image/font.ts";
import type { RgbImage } from "../../src/types.ts";
import { jsonLines, runCli, SAMPLES } from "./run_cli.ts";
import { peopleDir } from "./people.ts";

interface Face {
  box: { x: number; y: number; width: number; height: number };
  name: string;
}

/**
 * The first `count` glyph cells of the label drawn above `box` (as drawAnnotations places it),
 * read back from the image as rows of bits: 1 where the pixel is white ink.
 */
function readCells(image: RgbImage, box: Face["box"], count: number): number[][] {
  const scale = Math.max(1, Math.round(Math.min(image.width, image.height) / 550));
  const top = Math.round(box.y) - (GLYPH_HEIGHT + 2) * scale;
  const cells: number[][] = [];
  for (let c = 0; c < count; c++) {
    const rows: number[] = [];
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      let bits = 0;
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        const x = Math.round(box.x) + scale + (c * GLYPH_WIDTH + col) * scale;
        const y = top + scale + r * scale;
        const at = (y * image.width + x) * 3;
        if (image.data[at] === 255 && image.data[at + 1] === 255) bits |= 0x80 >> col;
      }
      rows.push(bits);
    }
    cells.push(rows);
  }
  return cells;
}

Deno.test("identify --annotate draws José Núñez, Ελένη and 李 Дмитрий with the right glyphs", async () => {
  const work = await peopleDir(3);
  const g = `${work}/g.jsonl`, m = `${work}/m.json`, out = `${work}/named`;
  const names = { alice: "José Núñez Ελένη", bea: "李 Дмитрий" };
  for (const [person, name] of Object.entries(names)) {
    const r = await runCli([
      ...["enroll", "--name", name, `${work}/people/${person}`],
      ...["--gallery", g, "--embedder", "dlib"],
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.equal((await runCli(["train", "--gallery", g, "--out", m])).code, 0);
  const photos = [`${SAMPLES}sample1.jpg`, `${SAMPLES}sample6.jpg`];
  const r = await runCli(["identify", ...photos, "--model", m, "--gallery", g, "--annotate", out]);
  assert.equal(r.code, 0, r.stderr);
  const [one, six] = jsonLines<{ faces: Face[] }>(r.stdout).map((record) => record.faces);
  const alice = one.find((f) => f.name === names.alice);
  assert.ok(alice, `alice is named: ${JSON.stringify(one.map((f) => f.name))}`);
  const image1 = decodeImage(await Deno.readFile(`${out}/sample1.png`));
  const expected = labelGlyphs(names.alice).map((g) => [...g.rows]);
  assert.deepEqual(readCells(image1, alice.box, expected.length), expected);

  // 李 is outside the font: its cell shows U+FFFD, and Дмитрий follows in full.
  const bea = six.find((f) => f.name === names.bea);
  assert.ok(bea, `bea is named: ${JSON.stringify(six.map((f) => f.name))}`);
  const image6 = decodeImage(await Deno.readFile(`${out}/sample6.png`));
  const cells = readCells(image6, bea.box, names.bea.length);
  assert.deepEqual(cells[0], [...labelGlyphs("\ufffd")[0].rows]);
  assert.deepEqual(cells.slice(1), labelGlyphs(names.bea.slice(1)).map((g) => [...g.rows]));
});
