import assert from "node:assert/strict";
import { GalleryError } from "../../src/gallery/error.ts";
import { withGalleryLock } from "../../src/gallery/lock.ts";
import { readGallery } from "../../src/gallery/store.ts";
import { STAMP, withTempDir } from "./helpers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("the lock file exists while fn runs and is removed after it returns or throws", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const result = await withGalleryLock(path, async () => {
      const holder = JSON.parse(await Deno.readTextFile(`${path}.lock`));
      assert.equal(holder.pid, Deno.pid);
      assert.ok(!Number.isNaN(Date.parse(holder.since)));
      return 42;
    });
    assert.equal(result, 42);
    assert.equal(await exists(`${path}.lock`), false);
    await assert.rejects(
      withGalleryLock(path, () => {
        throw new Error("enrol failed");
      }),
      /enrol failed/,
    );
    assert.equal(await exists(`${path}.lock`), false);
  }));

Deno.test("a held lock makes a second holder wait its turn", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const events: string[] = [];
    const first = withGalleryLock(path, async () => {
      events.push("first in");
      await sleep(150);
      events.push("first out");
    });
    await sleep(20);
    const second = withGalleryLock(path, () => {
      events.push("second in");
    }, { pollMs: 10 });
    await Promise.all([first, second]);
    assert.deepEqual(events, ["first in", "first out", "second in"]);
  }));

Deno.test("waiting past the timeout fails naming the lock file and the holder pid", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const lock = `{"pid":4242,"since":"${new Date().toISOString()}","token":"other"}\n`;
    await Deno.writeTextFile(`${path}.lock`, lock);
    let ran = false;
    const started = Date.now();
    await assert.rejects(
      withGalleryLock(path, () => {
        ran = true;
      }, { timeoutMs: 200, pollMs: 20 }),
      (error: unknown) => {
        assert.ok(error instanceof GalleryError);
        assert.match(error.message, /^gallery is locked by process 4242 \(lock file .*\.lock,/);
        assert.ok(error.message.includes(`${path}.lock`));
        assert.match(error.message, /gave up after 200 ms/);
        return true;
      },
    );
    assert.ok(Date.now() - started >= 200);
    assert.equal(ran, false);
    assert.equal(await Deno.readTextFile(`${path}.lock`), lock, "someone else's lock is kept");
  }));

Deno.test("a lock untouched for longer than staleMs is broken with a notice", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    await Deno.writeTextFile(`${path}.lock`, `{"pid":777,"since":"2026-01-01T00:00:00Z"}\n`);
    const old = new Date(Date.now() - 20 * 60_000);
    await Deno.utime(`${path}.lock`, old, old);
    const notices: string[] = [];
    const result = await withGalleryLock(path, () => "ran", { warn: (m) => notices.push(m) });
    assert.equal(result, "ran");
    assert.equal(notices.length, 1);
    assert.match(notices[0], /breaking stale lock .*faces\.jsonl\.lock left by process 777/);
    assert.match(notices[0], /untouched for 20 min, limit 10 min/);
    assert.equal(await exists(`${path}.lock`), false);
  }));

Deno.test("a long-running holder keeps its lock fresh so it is not taken for stale", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const options = { staleMs: 300, pollMs: 10, warn: () => assert.fail("lock broken") };
    const events: string[] = [];
    const first = withGalleryLock(path, async () => {
      events.push("first in");
      await sleep(900);
      events.push("first out");
    }, options);
    await sleep(20);
    await withGalleryLock(path, () => {
      events.push("second in");
    }, options);
    await first;
    assert.deepEqual(events, ["first in", "first out", "second in"]);
  }));

const LOCK_URL = new URL("../../src/gallery/lock.ts", import.meta.url).href;
const STORE_URL = new URL("../../src/gallery/store.ts", import.meta.url).href;
const OPERATIONS_URL = new URL("../../src/gallery/operations.ts", import.meta.url).href;
const HELPERS_URL = new URL("./helpers.ts", import.meta.url).href;
const PER_WRITER = 25;

/**
 * A writer process: waits until both writers are ready, then adds PER_WRITER records one lock at
 * a time (read, add, write), logging its id inside the lock and failing if it ever finds the other
 * writer inside too.
 */
const WRITER = `
import { withGalleryLock } from "${LOCK_URL}";
import { readGallery, writeGallery } from "${STORE_URL}";
import { addRecords } from "${OPERATIONS_URL}";
import { STAMP, syntheticRecord } from "${HELPERS_URL}";
const [path, id] = Deno.args;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await Deno.writeTextFile(path + ".ready-" + id, "");
const ready = async (other) => Deno.stat(path + ".ready-" + other).then(() => true, () => false);
while (!(await ready(0) && await ready(1))) await sleep(2);
for (let i = 0; i < ${PER_WRITER}; i++) {
  await withGalleryLock(path, async () => {
    (await Deno.open(path + ".inside", { write: true, createNew: true })).close();
    await Deno.writeTextFile(path + ".order", id, { append: true });
    const gallery = await readGallery(path, STAMP);
    await writeGallery(path, addRecords(gallery, [syntheticRecord(100 + Number(id), i)]).gallery);
    await Deno.remove(path + ".inside");
  }, { timeoutMs: 30000, pollMs: 2 });
  await sleep(3);
}
`;

Deno.test("two processes adding records through the lock lose none", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/faces.jsonl`;
    const script = `${dir}/writer.ts`;
    await Deno.writeTextFile(script, WRITER);
    const writers = [0, 1].map((id) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-config", "-R", "-W", script, path, String(id)],
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      }).output()
    );
    for (const { success, stderr } of await Promise.all(writers)) {
      assert.ok(success, new TextDecoder().decode(stderr));
    }
    const gallery = await readGallery(path, STAMP);
    assert.equal(gallery.records.length, 2 * PER_WRITER);
    assert.equal(new Set(gallery.records.map((r) => r.sha256)).size, 2 * PER_WRITER);
    const order = await Deno.readTextFile(`${path}.order`);
    const switches = [...order].filter((id, i) => i > 0 && id !== order[i - 1]).length;
    assert.ok(switches >= 2, `writers interleaved (order ${order})`);
    assert.equal(await exists(`${path}.lock`), false);
  }));
