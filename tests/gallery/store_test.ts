import assert from "node:assert/strict";
import { GalleryError } from "../../src/gallery/error.ts";
import { emptyGallery, serializeGallery } from "../../src/gallery/format.ts";
import { readGallery, writeGallery } from "../../src/gallery/store.ts";
import type { Gallery } from "../../src/gallery/types.ts";
import { STAMP, syntheticGallery, syntheticRecord, withTempDir } from "./helpers.ts";

const HEADER_LINE =
  `{"faceprint":"gallery","schema":1,"embedder":"dlib-resnet-v1","embedderHash":"${STAMP.embedderHash}","dim":128}`;

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

Deno.test("a missing gallery file reads as an empty gallery", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    assert.deepEqual(await readGallery(path, STAMP), emptyGallery(STAMP));
  }));

Deno.test("write then read gives the same records with bit-exact embeddings", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const gallery = syntheticGallery(3, 20);
    const special = syntheticRecord(9, 0);
    special.embedding[0] = -0;
    special.embedding[1] = 1.4e-45; // smallest subnormal
    special.embedding[2] = 3.4028234663852886e38; // largest float32
    special.embedding[3] = -1.1754943508222875e-38; // smallest normal, negative
    gallery.records.push(special);
    await writeGallery(path, gallery);
    const read = await readGallery(path, STAMP);
    assert.equal(read.records.length, gallery.records.length);
    const byHash = new Map(read.records.map((r) => [r.sha256, r]));
    for (const record of gallery.records) {
      const back = byHash.get(record.sha256)!;
      assert.deepEqual(bitsOf(back.embedding), bitsOf(record.embedding));
      assert.deepEqual({ ...back, embedding: null }, { ...record, embedding: null });
    }
    assert.ok(Object.is(byHash.get(special.sha256)!.embedding[0], -0));
  }));

Deno.test("the same content gives the same bytes whatever the record order", () =>
  withTempDir(async (dir) => {
    const gallery = syntheticGallery(4, 30);
    const twin = gallery.records[3];
    gallery.records.push({ ...twin, box: { ...twin.box, x: twin.box.x - 200 } });
    const shuffled: Gallery = { ...gallery, records: [...gallery.records].reverse() };
    const a = `${dir}/a.jsonl`;
    const b = `${dir}/b.jsonl`;
    await writeGallery(a, gallery);
    await writeGallery(b, shuffled);
    const text = await Deno.readTextFile(a);
    assert.equal(text, await Deno.readTextFile(b));
    const lines = text.split("\n");
    assert.equal(lines[0], HEADER_LINE);
    assert.equal(lines.at(-1), "", "file ends with a newline");
    const keys = lines.slice(1, -1).map((line) => {
      const { person, file } = JSON.parse(line);
      return [person, file];
    });
    const sorted = [...keys].sort((p, q) =>
      p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : p[1] < q[1] ? -1 : p[1] > q[1] ? 1 : 0
    );
    assert.deepEqual(keys, sorted, "records sorted by person, then file");
    // re-reading and re-writing changes nothing
    await writeGallery(b, await readGallery(b, STAMP));
    assert.equal(await Deno.readTextFile(b), text);
  }));

Deno.test("a record line is readable JSON with the documented fields", () => {
  const text = serializeGallery(
    { header: emptyGallery(STAMP).header, records: [syntheticRecord(1, 2)] },
    "g.jsonl",
  );
  const record = JSON.parse(text.split("\n")[1]);
  assert.deepEqual(Object.keys(record), [
    "person",
    "file",
    "sha256",
    "faces",
    "score",
    "box",
    "landmarks",
    "added",
    "embedding",
  ]);
  assert.equal(record.faces, 3);
  assert.deepEqual(Object.keys(record.box), ["x", "y", "width", "height"]);
  assert.equal(Uint8Array.fromBase64(record.embedding).length, 128 * 4);
});

/** Builds a valid 3-record gallery file, applies `corrupt` to its lines, returns the text. */
function corruptedText(corrupt: (lines: string[]) => string[]): string {
  const gallery = syntheticGallery(1, 3);
  gallery.records = gallery.records.slice(0, 3);
  const lines = serializeGallery(gallery, "x").split("\n").slice(0, -1);
  return corrupt(lines).join("\n") + "\n";
}

function editRecord(line: string, edit: (record: Record<string, unknown>) => void): string {
  const record = JSON.parse(line);
  edit(record);
  return JSON.stringify(record);
}

function embeddingWith(values: number[]): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes.toBase64();
}

const unit = Array.from({ length: 128 }, () => 0.088);

const CORRUPTIONS: { name: string; content: () => string | Uint8Array; message: RegExp }[] = [
  {
    name: "truncated last line",
    content: () => corruptedText((l) => [...l.slice(0, 3), l[3].slice(0, 200)]),
    message: /line 4: not valid JSON \(truncated or corrupted line\)$/,
  },
  {
    name: "a CSV file",
    content: () => "name,score\nalice,1\n",
    message: /line 1: not a faceprint gallery/,
  },
  {
    name: "a JPEG passed by mistake",
    content: () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0xc3, 0x28]),
    message: /is not a faceprint gallery \(not UTF-8 text\)$/,
  },
  {
    name: "an empty file",
    content: () => "",
    message: /is empty: not a faceprint gallery$/,
  },
  {
    name: "another tool's JSON Lines",
    content: () => '{"name":"x","vector":[1,2]}\n',
    message: /line 1: not a faceprint gallery/,
  },
  {
    name: "a newer schema",
    content: () => corruptedText((l) => [l[0].replace('"schema":1', '"schema":2'), ...l.slice(1)]),
    message: /line 1: made by a newer faceprint \(schema 2; .*\); upgrade faceprint$/,
  },
  {
    name: "another embedder",
    content: () =>
      corruptedText((l) => [l[0].replace("dlib-resnet-v1", "facenet-v2"), ...l.slice(1)]),
    message: new RegExp(
      "line 1: made with embedder facenet-v2 \\(hash 5b3ad7e1c0f4…\\); this run uses " +
        "dlib-resnet-v1 \\(hash 5b3ad7e1c0f4…\\) — run with the embedder it was made with " +
        "\\(--embedder\\), or move it to dlib-resnet-v1 with 'faceprint gallery reembed'$",
    ),
  },
  {
    name: "same embedder name, other weights",
    content: () =>
      corruptedText((l) => [l[0].replace(STAMP.embedderHash, "f".repeat(64)), ...l.slice(1)]),
    message:
      /line 1: made with embedder dlib-resnet-v1 \(hash ffffffffffff…\); this run uses dlib-resnet-v1 \(hash 5b3ad7e1c0f4…\)/,
  },
  {
    name: "score as a string",
    content: () =>
      corruptedText((l) => [l[0], l[1], editRecord(l[2], (r) => r.score = "0.9"), l[3]]),
    message: /line 3: field "score" must be a finite number$/,
  },
  {
    name: "a missing box",
    content: () => corruptedText((l) => [l[0], editRecord(l[1], (r) => delete r.box), l[2], l[3]]),
    message: /line 2: missing field "box"$/,
  },
  {
    name: "a box coordinate that overflows to Infinity",
    content: () =>
      corruptedText((l) => [l[0], l[1], l[2], l[3].replace(/"x":[0-9.]+/, '"x":1e999')]),
    message: /line 4: field "box.x" must be a finite number$/,
  },
  {
    name: "an unknown field",
    content: () => corruptedText((l) => [l[0], editRecord(l[1], (r) => r.age = 30), l[2], l[3]]),
    message: /line 2: unexpected field "age"$/,
  },
  {
    name: "a short embedding",
    content: () =>
      corruptedText((
        l,
      ) => [l[0], editRecord(l[1], (r) => r.embedding = embeddingWith(unit.slice(1))), l[2], l[3]]),
    message: /line 2: embedding has 127 values, expected 128$/,
  },
  {
    name: "an embedding that is not base64",
    content: () =>
      corruptedText((
        l,
      ) => [l[0], editRecord(l[1], (r) => r.embedding = "not base64!"), l[2], l[3]]),
    message: /line 2: embedding is not valid base64$/,
  },
  {
    name: "NaN in an embedding",
    content: () =>
      corruptedText((
        l,
      ) => [
        l[0],
        l[1],
        editRecord(l[2], (r) => r.embedding = embeddingWith(unit.with(5, NaN))),
        l[3],
      ]),
    message: /line 3: embedding value 5 is NaN$/,
  },
  {
    name: "Infinity in an embedding",
    content: () =>
      corruptedText((
        l,
      ) => [
        l[0],
        l[1],
        l[2],
        editRecord(l[3], (r) => r.embedding = embeddingWith(unit.with(127, -Infinity))),
      ]),
    message: /line 4: embedding value 127 is -Infinity$/,
  },
  {
    name: "the same face twice",
    content: () =>
      corruptedText((l) => [l[0], l[1], l[2], editRecord(l[1], (r) => r.person = "someone-else")]),
    message: /line 4: duplicate record: same sha256 and box as line 2$/,
  },
];

for (const { name, content, message } of CORRUPTIONS) {
  Deno.test(`reading a gallery with ${name} fails clearly and leaves the file untouched`, () =>
    withTempDir(async (dir) => {
      const path = `${dir}/faces.jsonl`;
      const data = content();
      if (typeof data === "string") await Deno.writeTextFile(path, data);
      else await Deno.writeFile(path, data);
      const before = await Deno.readFile(path);
      await assert.rejects(readGallery(path, STAMP), (error: unknown) => {
        assert.ok(error instanceof GalleryError, String(error));
        assert.ok(error.message.startsWith(`gallery ${path}`), error.message);
        assert.match(error.message, message);
        assert.ok(!error.message.includes("\n"), "one-line message");
        return true;
      });
      assert.deepEqual(await Deno.readFile(path), before);
    }));
}

Deno.test("a gallery that would not read back is refused and the file is left untouched", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const good = syntheticGallery(2, 5);
    await writeGallery(path, good);
    const before = await Deno.readFile(path);
    const nan = syntheticRecord(8, 1);
    nan.embedding[3] = NaN;
    const short = { ...syntheticRecord(8, 2), embedding: new Float32Array(64) };
    const cases: [Gallery, RegExp][] = [
      [{ ...good, records: [...good.records, nan] }, /embedding value 3 is NaN$/],
      [{ ...good, records: [...good.records, short] }, /embedding has 64 values, expected 128$/],
      [{ ...good, records: [...good.records, good.records[0]] }, /duplicate face/],
      [{ ...good, records: [{ ...good.records[0], person: " " }] }, /"person" must not be empty/],
    ];
    for (const [gallery, message] of cases) {
      await assert.rejects(writeGallery(path, gallery), (error: unknown) => {
        assert.ok(error instanceof GalleryError);
        assert.match(error.message, new RegExp(`^cannot write gallery ${path}: record of `));
        assert.match(error.message, message);
        return true;
      });
    }
    assert.deepEqual(await Deno.readFile(path), before);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["faces.jsonl"]);
  }));

Deno.test("a blank line and Windows line endings are tolerated", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const text = serializeGallery(syntheticGallery(1, 3), path);
    await Deno.writeTextFile(path, text.replaceAll("\n", "\r\n") + "\r\n");
    assert.equal((await readGallery(path, STAMP)).records.length, 4);
  }));
