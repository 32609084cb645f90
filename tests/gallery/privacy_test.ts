/**
 * Galleries are biometric data: under a umask of 022 (files world-readable by default) every file
 * faceprint creates with embeddings is 0600, a rewrite keeps the mode the user chose, a killed
 * write leaves no temp file for long, `gallery remove` leaves no removed embedding anywhere in the
 * folder (even when killed with SIGKILL mid-write), and a lock left by a killed run is taken over
 * at once while a live holder is still waited for.
 */
import assert from "node:assert/strict";
import { encodeEmbedding } from "../../src/gallery/embedding_codec.ts";
import { withGalleryLock } from "../../src/gallery/lock.ts";
import { readGallery, writeGallery } from "../../src/gallery/store.ts";
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { runCli } from "../cli/run_cli.ts";
import { STAMP, syntheticGallery, withTempDir } from "./helpers.ts";

const UNIX = Deno.build.os !== "windows";
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const MAIN_URL = new URL("../../src/main.ts", import.meta.url).href;
const LOCK_URL = new URL("../../src/gallery/lock.ts", import.meta.url).href;
const STORE_URL = new URL("../../src/gallery/store.ts", import.meta.url).href;
const HELPERS_URL = new URL("./helpers.ts", import.meta.url).href;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mode = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

/** `deno run` (the binary's permissions) of `script` under umask 022, through sh. */
function denoUnderUmask022(script: string, args: string[], stdout: "piped" | "null") {
  const quoted = [Deno.execPath(), "run", "--config", CONFIG, ...RUN_FLAGS, script, ...args]
    .map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  return new Deno.Command("sh", {
    args: ["-c", `umask 022 && exec ${quoted}`],
    stdout,
    stderr: "piped",
  });
}

/** File writes slowed to 512 bytes per call, 4 ms apart, so a kill lands mid-write. */
const SLOW = `
const write = Deno.FsFile.prototype.write;
Deno.FsFile.prototype.write = async function (bytes) {
  await new Promise((resolve) => setTimeout(resolve, 4));
  return write.call(this, bytes.subarray(0, 512));
};
`;

async function temps(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).filter((n) =>
    n.endsWith(".tmp")
  );
}

/** Starts `script args` under umask 022, waits for a temp file in `dir`, returns the child. */
async function startUntilTemp(dir: string, script: string, args: string[]) {
  const child = denoUnderUmask022(script, args, "null").spawn();
  const deadline = Date.now() + 30_000;
  while (!(await temps(dir)).length) {
    if (Date.now() > deadline) throw new Error("no temp file appeared");
    await sleep(2);
  }
  return child;
}

/** Creates a gallery, a model and a lock the way the CLI does, and prints their modes. */
const CREATOR = `import { writeGallery } from "${STORE_URL}";
import { writeFileAtomic } from "${
  new URL("../../src/gallery/atomic_write.ts", import.meta.url).href
}";
import { withGalleryLock } from "${LOCK_URL}";
import { syntheticGallery } from "${HELPERS_URL}";
const [dir] = Deno.args;
const mode = async (path) => (await Deno.stat(path)).mode & 0o777;
await writeGallery(dir + "/faces.jsonl", syntheticGallery(1, 20));
await writeFileAtomic(dir + "/people.svm.json", "{}");
const lock = await withGalleryLock(dir + "/faces.jsonl", () => mode(dir + "/faces.jsonl.lock"));
const other = dir + "/other.txt";
await Deno.writeTextFile(other, "not faceprint's");
console.log(JSON.stringify({
  gallery: await mode(dir + "/faces.jsonl"),
  model: await mode(dir + "/people.svm.json"),
  lock,
  plain: await mode(other),
}));`;

Deno.test({
  name: "under umask 022: new gallery, model, lock and temp files are 0600; 0640 is kept",
  ignore: !UNIX,
  fn: () =>
    withTempDir(async (dir) => {
      const gallery = `${dir}/faces.jsonl`;
      await Deno.writeTextFile(`${dir}/creator.ts`, CREATOR);
      const created = await denoUnderUmask022(`${dir}/creator.ts`, [dir], "piped").output();
      assert.ok(created.success, new TextDecoder().decode(created.stderr));
      const modes = JSON.parse(new TextDecoder().decode(created.stdout));
      assert.equal(modes.plain, 0o644, "the umask really was 022");
      assert.deepEqual(modes, { gallery: 0o600, model: 0o600, lock: 0o600, plain: 0o644 });

      // A temp file caught mid-write (slowed writer in another process) is already 0600.
      const script = `${dir}/writer.ts`;
      await Deno.writeTextFile(
        script,
        `${SLOW}import { writeGallery } from "${STORE_URL}";
import { syntheticGallery } from "${HELPERS_URL}";
await writeGallery(Deno.args[0], syntheticGallery(2, 400));`,
      );
      const child = await startUntilTemp(dir, script, [gallery]);
      const [temp] = await temps(dir);
      assert.equal(await mode(`${dir}/${temp}`), 0o600, "temp file while written");
      child.kill("SIGKILL");
      await child.status;
      await child.stderr.cancel();

      // The user opens the gallery to a group: rewrites (via the CLI) keep 0640.
      await Deno.chmod(gallery, 0o640);
      await sleep(2100); // the killed writer's temp file is past the sweep's grace period
      const removed = await runCli(["gallery", "remove", "person-3", "--gallery", gallery]);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(await mode(gallery), 0o640, "mode kept after gallery remove");
      assert.deepEqual(await temps(dir), [], "the killed writer's temp file was swept");
    }),
});

/** The base64 embeddings of `person` in a synthetic gallery version. */
function embeddingsOf(version: number, size: number, person: string): string[] {
  return syntheticGallery(version, size).records
    .filter((r) => r.person === person)
    .map((r) => encodeEmbedding(r.embedding));
}

/** Every file under `dir` that contains any of `needles`. */
async function filesHolding(dir: string, needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const text = new TextDecoder().decode(await Deno.readFile(`${dir}/${entry.name}`));
    if (needles.some((n) => text.includes(n))) found.push(entry.name);
  }
  return found;
}

Deno.test({
  name: "gallery remove, even SIGKILLed mid-write and run again, leaves no removed embedding",
  ignore: !UNIX,
  fn: () =>
    withTempDir(async (dir) => {
      const gallery = `${dir}/faces.jsonl`;
      const size = 300;
      const gone = embeddingsOf(3, size, "person-2");
      // A killed full rewrite leaves a temp file holding every embedding, person-2's included.
      await writeGallery(gallery, syntheticGallery(3, size));
      const writer = `${dir}/writer.ts`;
      await Deno.writeTextFile(
        writer,
        `${SLOW}import { writeGallery } from "${STORE_URL}";
import { syntheticGallery } from "${HELPERS_URL}";
await writeGallery(Deno.args[0], syntheticGallery(3, ${size}));`,
      );
      const rewrite = await startUntilTemp(dir, writer, [gallery]);
      await sleep(100);
      rewrite.kill("SIGKILL");
      await rewrite.status;
      assert.ok((await temps(dir)).length, "the killed rewrite left a temp file");

      // gallery remove through the real CLI, writes slowed, SIGKILLed while writing.
      const cli = `${dir}/slow_cli.ts`;
      await Deno.writeTextFile(
        cli,
        `${SLOW}import { main } from "${MAIN_URL}";\nDeno.exit(await main(Deno.args));`,
      );
      await sleep(2100); // older than the sweep's grace period
      const before = new Set(await temps(dir));
      const remove = new Deno.Command(Deno.execPath(), {
        args: ["run", "--config", CONFIG, ...RUN_FLAGS, cli, "gallery", "remove", "person-2"]
          .concat(["--gallery", gallery]),
        stdout: "null",
        stderr: "null",
      }).spawn();
      const deadline = Date.now() + 30_000;
      while (!(await temps(dir)).some((t) => !before.has(t)) && Date.now() < deadline) {
        await sleep(2);
      }
      remove.kill("SIGKILL");
      assert.equal((await remove.status).signal, "SIGKILL");
      const removedTemp = (await temps(dir)).filter((t) => !before.has(t));
      assert.equal(removedTemp.length, 1, "killed while writing");
      assert.deepEqual(await filesHolding(dir, gone), ["faces.jsonl"], "old gallery only");

      // Run again: the gallery is rewritten and nothing in the folder holds person-2 any more.
      await sleep(2100);
      const again = await runCli(["gallery", "remove", "person-2", "--gallery", gallery]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await filesHolding(dir, gone), []);
      assert.deepEqual(await temps(dir), []);
      const left = await readGallery(gallery, STAMP);
      assert.ok(left.records.length > 0 && left.records.every((r) => r.person !== "person-2"));
    }),
});

/** A process that takes the gallery lock and holds it until killed. */
const HOLDER = `import { withGalleryLock } from "${LOCK_URL}";
await withGalleryLock(Deno.args[0], async () => {
  console.log("locked");
  await new Promise(() => setInterval(() => {}, 1000));
});`;

async function startHolder(dir: string, gallery: string) {
  const script = `${dir}/holder.ts`;
  await Deno.writeTextFile(script, HOLDER);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", CONFIG, ...RUN_FLAGS, script, gallery],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assert.match(new TextDecoder().decode(value), /locked/);
  reader.releaseLock();
  return child;
}

Deno.test({
  name: "a lock whose holder was SIGKILLed is taken over at once; a live holder is waited for",
  ignore: !UNIX,
  fn: () =>
    withTempDir(async (dir) => {
      const gallery = `${dir}/faces.jsonl`;
      const live = await startHolder(dir, gallery);
      const lock = JSON.parse(await Deno.readTextFile(`${gallery}.lock`));
      assert.equal(lock.pid, live.pid);
      assert.equal(typeof lock.host, "string");
      await assert.rejects(
        withGalleryLock(gallery, () => "never", { timeoutMs: 400, pollMs: 20, warn: () => {} }),
        /gallery is locked by process \d+/,
      );
      live.kill("SIGKILL");
      await live.status;
      await live.stdout.cancel();

      const notices: string[] = [];
      const started = Date.now();
      const result = await withGalleryLock(gallery, () => "ran", {
        warn: (m) => notices.push(m),
      });
      assert.equal(result, "ran");
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.equal(notices.length, 1);
      assert.match(notices[0], new RegExp(`taking over lock .* left by process ${live.pid}`));
    }),
});

Deno.test({
  name: "a rewrite keeps the gallery's owner and group (where this user may set them)",
  ignore: !UNIX,
  fn: () =>
    withTempDir(async (dir) => {
      const gallery = `${dir}/faces.jsonl`;
      await writeGallery(gallery, syntheticGallery(4, 10));
      try {
        await Deno.chown(gallery, 4321, 4321);
      } catch (error) {
        console.log(`skipped: cannot give a file away here (${(error as Error).name}; not root)`);
        return;
      }
      await writeGallery(gallery, syntheticGallery(5, 10));
      const info = await Deno.stat(gallery);
      assert.deepEqual([info.uid, info.gid, info.mode! & 0o777], [4321, 4321, 0o600]);
      assert.equal((await readGallery(gallery, STAMP)).records.length, 10);
    }),
});
