/**
 * stdout closed early (`| head`), Ctrl-C, and two enrols at once: output ends quietly with a
 * documented exit code, and the gallery holds everything each run says it added.
 */
import assert from "node:assert/strict";
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { jsonLines, MAIN, runCli, SAMPLES } from "./run_cli.ts";
import { peopleDir } from "./people.ts";

/** Starts faceprint with stdout and stderr piped (a real OS pipe each). */
function spawn(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...RUN_FLAGS, MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Reads `stream` until `pattern` matches what was read; returns the text. */
async function readUntil(stream: ReadableStream<Uint8Array>, pattern: RegExp) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!pattern.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return { text, reader };
}

async function galleryFiles(path: string): Promise<string[]> {
  const lines = (await Deno.readTextFile(path)).trim().split("\n").slice(1);
  return lines.map((l) => JSON.parse(l).file).sort();
}

Deno.test("stdout closed after the first line: enroll still saves every face, exit 141, no error", async () => {
  const work = await peopleDir(3);
  const gallery = `${work}/g.jsonl`;
  const child = spawn(["enroll", `${work}/people`, "--gallery", gallery, "--embedder", "dlib"]);
  const { text, reader } = await readUntil(child.stdout, /\n/);
  await reader.cancel(); // what `| head -1` does: the read end of the pipe closes
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  const { code } = await child.status;
  assert.equal(JSON.parse(text.split("\n")[0]).status, "enrolled");
  assert.equal(code, 141, stderr);
  assert.doesNotMatch(stderr, /pipe|error/i);
  assert.match(stderr, />loaded 3 examples for class: bea/);
  assert.equal((await galleryFiles(gallery)).length, 6);
});

Deno.test("stdout closed early on detect: stops quietly with exit 141", async () => {
  const photos = [1, 2, 3, 4, 5, 6].map((i) => `${SAMPLES}sample${i}.jpg`);
  const child = spawn(["detect", ...photos, ...photos, "--detector", "blazeface", "--jobs", "1"]);
  const { reader } = await readUntil(child.stdout, /\n/);
  await reader.cancel();
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  const { code } = await child.status;
  assert.equal(code, 141, stderr);
  assert.equal(stderr.trim(), "");
});

Deno.test("Ctrl-C during enroll: exit 130, one line saying what was saved; a rerun adds the rest", async () => {
  const work = await peopleDir(8);
  const gallery = `${work}/g.jsonl`;
  const args = ["enroll", `${work}/people`, "--gallery", gallery, "--embedder", "dlib", "-j", "1"];
  const child = spawn(args);
  const { text, reader } = await readUntil(child.stderr, /class: alice/);
  child.kill("SIGINT");
  let rest = text;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    rest += new TextDecoder().decode(r.value);
  }
  await child.stdout.cancel();
  const { code } = await child.status;
  assert.equal(code, 130, rest);
  assert.match(
    rest,
    /faceprint: interrupted: .*g\.jsonl is saved with the first 1 of 2 people of this run \(8 faces added\); run the same command again/,
  );
  assert.equal((await galleryFiles(gallery)).filter((f) => f.includes("alice")).length, 8);
  const again = await runCli(args);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await galleryFiles(gallery)).length, 16);
});

Deno.test("two enrols at once into one gallery: each image reported enrolled by exactly one run", async () => {
  const work = await peopleDir(3);
  const gallery = `${work}/g.jsonl`;
  const args = ["enroll", `${work}/people`, "--gallery", gallery, "--embedder", "dlib", "-j", "1"];
  const [a, b] = await Promise.all([runCli(args), runCli(args)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const enrolled = [...jsonLines(a.stdout), ...jsonLines(b.stdout)]
    .filter((r) => r.status === "enrolled")
    .map((r) => r.file as string)
    .sort();
  assert.deepEqual(enrolled, await galleryFiles(gallery));
  assert.equal(enrolled.length, 6);
});
