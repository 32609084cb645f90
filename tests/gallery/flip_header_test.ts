/** The gallery header's `flip` field: written when known, optional on reading, checked. */
import assert from "node:assert/strict";
import { GalleryError } from "../../src/gallery/error.ts";
import { emptyGallery, parseGallery, serializeGallery } from "../../src/gallery/format.ts";
import { STAMP, syntheticRecord } from "./helpers.ts";

const PATH = "faces.jsonl";

function galleryText(flip: boolean | undefined): string {
  const gallery = emptyGallery({ ...STAMP, flip });
  gallery.records.push(syntheticRecord(1, 1));
  return serializeGallery(gallery, PATH);
}

Deno.test("a gallery made with --flip says so on line 1 and reads back with it", () => {
  const text = galleryText(true);
  assert.equal(JSON.parse(text.split("\n")[0]).flip, true);
  assert.equal(parseGallery(text, PATH, STAMP).header.flip, true);
  assert.equal(parseGallery(text, PATH, { ...STAMP, flip: true }).records.length, 1);
  assert.equal(JSON.parse(galleryText(false).split("\n")[0]).flip, false);
});

Deno.test("a header without flip (older faceprint) reads with either setting, flip unknown", () => {
  const text = galleryText(undefined);
  assert.ok(!("flip" in JSON.parse(text.split("\n")[0])));
  for (const flip of [true, false, undefined]) {
    const gallery = parseGallery(text, PATH, { ...STAMP, flip });
    assert.equal(gallery.header.flip, undefined);
    assert.equal(gallery.records.length, 1);
  }
});

Deno.test("another --flip setting, or a flip that is not a boolean, is refused naming the gallery", () => {
  const refused = (text: string, flip: boolean | undefined, message: RegExp) =>
    assert.throws(() => parseGallery(text, PATH, { ...STAMP, flip }), (e: unknown) => {
      assert.ok(e instanceof GalleryError);
      assert.match(e.message, message);
      return true;
    });
  refused(
    galleryText(true),
    false,
    /^gallery faces\.jsonl line 1: made with --flip; this run embeds without --flip/,
  );
  refused(
    galleryText(false),
    true,
    /^gallery faces\.jsonl line 1: made without --flip; this run embeds with --flip/,
  );
  const lines = galleryText(true).split("\n");
  lines[0] = lines[0].replace('"flip":true', '"flip":"yes"');
  refused(lines.join("\n"), undefined, /line 1: field "flip" must be true or false$/);
});
