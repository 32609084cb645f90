/** The input flags' building blocks: the shard hash and split, list reading, resumed outputs. */
import assert from "node:assert/strict";
import { fnv1a32, inShard, parseShard } from "../../src/cli/shard.ts";
import { readPathList } from "../../src/cli/path_list.ts";
import { openResume } from "../../src/cli/resume.ts";

Deno.test("fnv1a32 matches the published FNV-1a test vectors", () => {
  assert.equal(fnv1a32(""), 0x811c9dc5);
  assert.equal(fnv1a32("a"), 0xe40c292c);
  assert.equal(fnv1a32("foobar"), 0xbf9cf968);
});

Deno.test("--shard K/N: 1-based, every path in exactly one shard, roughly even", () => {
  assert.deepEqual(parseShard("2/8"), { index: 2, count: 8 });
  for (const bad of ["0/4", "5/4", "1/0", "1", "a/b", "1/4/2"]) {
    assert.throws(() => parseShard(bad), /--shard expects K\/N with 1 <= K <= N/, bad);
  }
  const paths = Array.from({ length: 4000 }, (_, i) => `photos/${i % 37}/IMG_${i}.jpg`);
  const sizes = [1, 2, 3, 4].map((index) =>
    paths.filter((p) => inShard(p, { index, count: 4 })).length
  );
  assert.equal(sizes.reduce((a, b) => a + b), paths.length);
  for (const size of sizes) assert.ok(size > 850 && size < 1150, `shard sizes ${sizes}`);
});

Deno.test("readPathList: newline (CRLF too) or NUL separated, empty entries skipped", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/list`, "a.jpg\r\n\nwith space.jpg\nlast.jpg");
    assert.deepEqual(await Array.fromAsync(readPathList(`${dir}/list`, false)), [
      "a.jpg",
      "with space.jpg",
      "last.jpg",
    ]);
    await Deno.writeTextFile(`${dir}/list0`, "new\nline.jpg\0b.jpg\0\0");
    assert.deepEqual(await Array.fromAsync(readPathList(`${dir}/list0`, true)), [
      "new\nline.jpg",
      "b.jpg",
    ]);
    await assert.rejects(
      Array.fromAsync(readPathList(`${dir}/missing`, false)),
      /--files-from .*missing: no such file/,
    );
  }));

Deno.test("openResume: reads answered files, cuts a torn last line, appends; refuses a foreign file", () =>
  withTempDir(async (dir) => {
    const out = `${dir}/out.jsonl`;
    await Deno.writeTextFile(
      out,
      '{"file":"a.jpg","faces":[]}\n{"file":"b.jpg","error":"x"}\n{"fi',
    );
    const log = await openResume(out);
    assert.deepEqual([...log.answered], ["a.jpg", "b.jpg"]);
    assert.equal(log.truncated, 4);
    log.writer.write({ file: "c.jpg", faces: [] });
    log.writer.close();
    assert.equal(
      await Deno.readTextFile(out),
      '{"file":"a.jpg","faces":[]}\n{"file":"b.jpg","error":"x"}\n{"file":"c.jpg","faces":[]}\n',
    );
    await Deno.writeTextFile(`${dir}/g.csv`, "person,count\namy,3\n");
    await assert.rejects(openResume(`${dir}/g.csv`), /g\.csv: line 1 is not a faceprint/);
    assert.equal(await Deno.readTextFile(`${dir}/g.csv`), "person,count\namy,3\n");
  }));

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "faceprint-input-flags-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
