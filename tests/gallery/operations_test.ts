import assert from "node:assert/strict";
import { emptyGallery } from "../../src/gallery/format.ts";
import {
  addRecords,
  enrolledHashes,
  listPeople,
  removeFile,
  removePerson,
} from "../../src/gallery/operations.ts";
import { sha256Hex } from "../../src/gallery/sha256.ts";
import type { GalleryRecord } from "../../src/gallery/types.ts";
import { STAMP, syntheticRecord, withTempDir } from "./helpers.ts";

function record(person: string, file: string, sha: number, x = 10): GalleryRecord {
  const base = syntheticRecord(1, sha);
  return { ...base, person, file, box: { ...base.box, x } };
}

Deno.test("re-enrolling the same images adds only the new ones", () => {
  const first = addRecords(emptyGallery(STAMP), [
    record("ann", "a1.jpg", 1),
    record("bo", "b1.jpg", 2),
  ]);
  assert.equal(first.added.length, 2);
  const again = addRecords(first.gallery, [
    record("ann", "a1.jpg", 1),
    record("ann", "renamed.jpg", 2),
    record("ann", "a2.jpg", 3),
  ]);
  assert.deepEqual(again.added.map((r) => r.file), ["a2.jpg"]);
  assert.deepEqual(again.skipped.map((r) => r.file), ["a1.jpg", "renamed.jpg"]);
  assert.equal(again.gallery.records.length, 3);
  assert.equal(first.gallery.records.length, 2, "input gallery unchanged");
  assert.equal(enrolledHashes(again.gallery).size, 3);
});

Deno.test("two faces of one new group photo are both added, a repeated face once", () => {
  const { added, skipped } = addRecords(emptyGallery(STAMP), [
    record("ann", "group.jpg", 5, 10),
    record("bo", "group.jpg", 5, 400),
    record("bo", "group.jpg", 5, 400),
  ]);
  assert.deepEqual(added.map((r) => r.person), ["ann", "bo"]);
  assert.equal(skipped.length, 1);
});

Deno.test("removePerson removes exactly that person's records", () => {
  const { gallery } = addRecords(emptyGallery(STAMP), [
    record("ann", "a1.jpg", 1),
    record("ann", "a2.jpg", 2),
    record("Ann", "a3.jpg", 3),
  ]);
  const { gallery: next, removed } = removePerson(gallery, "ann");
  assert.deepEqual(removed.map((r) => r.file), ["a1.jpg", "a2.jpg"]);
  assert.deepEqual(next.records.map((r) => r.person), ["Ann"]);
  assert.equal(removePerson(next, "nobody").removed.length, 0);
});

Deno.test("removeFile matches the path as given, or the contents of an existing file", () =>
  withTempDir(async (dir) => {
    const bytes = new TextEncoder().encode("pretend this is a jpeg");
    await Deno.writeFile(`${dir}/moved.jpg`, bytes);
    const sha = await sha256Hex(bytes);
    const { gallery } = addRecords(emptyGallery(STAMP), [
      record("ann", "old/place.jpg", 1),
      { ...record("bo", "photos/bo.jpg", 2), sha256: sha },
      record("cy", "c.jpg", 3),
    ]);
    const byPath = await removeFile(gallery, "old/place.jpg");
    assert.deepEqual(byPath.removed.map((r) => r.person), ["ann"]);
    const byContent = await removeFile(gallery, `${dir}/moved.jpg`);
    assert.deepEqual(byContent.removed.map((r) => r.person), ["bo"]);
    assert.deepEqual(byContent.gallery.records.map((r) => r.person), ["ann", "cy"]);
    assert.equal((await removeFile(gallery, `${dir}/missing.jpg`)).removed.length, 0);
    assert.equal((await removeFile(gallery, dir)).removed.length, 0);
  }));

Deno.test("listPeople counts faces and distinct files per person, sorted by name", () => {
  const { gallery } = addRecords(emptyGallery(STAMP), [
    record("zoe", "z.jpg", 1),
    record("ann", "b.jpg", 2, 10),
    record("ann", "b.jpg", 2, 300),
    record("ann", "a.jpg", 3),
  ]);
  assert.deepEqual(listPeople(gallery), [
    { person: "ann", count: 3, files: ["a.jpg", "b.jpg"] },
    { person: "zoe", count: 1, files: ["z.jpg"] },
  ]);
  assert.deepEqual(listPeople(emptyGallery(STAMP)), []);
});

Deno.test("sha256Hex matches the standard test vector", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
