import assert from "node:assert/strict";
import { writeFileAtomic } from "../../src/gallery/atomic_write.ts";
import { serializeGallery } from "../../src/gallery/format.ts";
import { readGallery } from "../../src/gallery/store.ts";
import { STAMP, syntheticGallery, versionOf, withTempDir } from "./helpers.ts";

const STORE_URL = new URL("../../src/gallery/store.ts", import.meta.url).href;
const HELPERS_URL = new URL("./helpers.ts", import.meta.url).href;
const SIZE = 800;
const KILLS = 5;

/**
 * A script that rewrites the gallery with versions start, start+1, … until killed. File writes are
 * slowed down (16 KiB per call, 2 ms apart) so most kills land while gallery bytes are being
 * written: the moment a non-atomic writer would leave a torn file.
 */
const WRITER = `
import { writeGallery } from "${STORE_URL}";
import { syntheticGallery } from "${HELPERS_URL}";
const write = Deno.FsFile.prototype.write;
Deno.FsFile.prototype.write = async function (bytes) {
  await new Promise((resolve) => setTimeout(resolve, 2));
  return write.call(this, bytes.subarray(0, 16384));
};
const [path, start] = Deno.args;
for (let version = Number(start); ; version++) {
  await writeGallery(path, syntheticGallery(version, ${SIZE}));
}
`;

async function modifiedAt(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function waitForChange(path: string, from: number | null): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (await modifiedAt(path) === from) {
    if (Date.now() > deadline) throw new Error(`${path} was never written`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("a writer SIGKILLed at random moments always leaves one complete gallery version", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const script = `${dir}/writer.ts`;
    await Deno.writeTextFile(script, WRITER);
    let killedMidWrite = 0;
    for (let round = 0; round < KILLS; round++) {
      const start = round * 1000;
      const before = await modifiedAt(path);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-config", "-R", "-W", script, path, String(start)],
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      }).spawn();
      await waitForChange(path, before);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
      child.kill("SIGKILL");
      const { signal, stderr } = await child.output();
      assert.equal(signal, "SIGKILL", new TextDecoder().decode(stderr));

      const text = await Deno.readTextFile(path);
      const gallery = await readGallery(path, STAMP);
      const version = versionOf(gallery.records[0].added);
      assert.ok(version >= start, `round ${round} wrote at least one version`);
      assert.equal(text, serializeGallery(syntheticGallery(version, SIZE), path));
      for (const { name } of Deno.readDirSync(dir)) {
        if (name.startsWith(".faces.jsonl.")) {
          killedMidWrite++;
          await Deno.remove(`${dir}/${name}`);
        }
      }
    }
    assert.ok(killedMidWrite > 0, "at least one kill landed while a temp file was being written");
  }));

Deno.test("writeFileAtomic replaces content, keeps permissions and follows a symlink", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/model.json`;
    await writeFileAtomic(path, "first");
    await Deno.chmod(path, 0o600);
    await writeFileAtomic(path, new TextEncoder().encode("second"));
    assert.equal(await Deno.readTextFile(path), "second");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    await Deno.symlink(path, `${dir}/link.json`);
    await writeFileAtomic(`${dir}/link.json`, "third");
    assert.ok((await Deno.lstat(`${dir}/link.json`)).isSymlink);
    assert.equal(await Deno.readTextFile(path), "third");
    const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.deepEqual(names, ["link.json", "model.json"], "no temp files left behind");
  }));

Deno.test("writeFileAtomic into a missing directory fails without creating anything", () =>
  withTempDir(async (dir) => {
    await assert.rejects(writeFileAtomic(`${dir}/missing/model.json`, "x"), Deno.errors.NotFound);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  }));
