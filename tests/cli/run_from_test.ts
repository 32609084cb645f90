/**
 * The README's run command, `deno task -q faceprint`, from a folder of the user's own: paths are
 * read and written there, stderr carries only faceprint's own lines, and NO_COLOR is respected on
 * a terminal.
 */
import assert from "node:assert/strict";
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { MAIN, SAMPLES } from "./run_cli.ts";

const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const decoder = new TextDecoder();
const ESC = String.fromCharCode(27);

Deno.test("deno task -q faceprint resolves paths from where it is run, quietly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "faceprint-mine-" });
  await Deno.copyFile(`${SAMPLES}sample6.jpg`, `${dir}/photo.jpg`);
  const args = ["enroll", "--name", "amy", "photo.jpg", "--gallery", "people.jsonl"];
  // Deno sets INIT_CWD only when it is not set already, as under `deno task test`: unset it, as
  // in a user's shell.
  const task = ["task", "-q", "--config", CONFIG, "faceprint", ...args, "--embedder", "dlib"];
  const run = await new Deno.Command("env", {
    args: ["-u", "INIT_CWD", Deno.execPath(), ...task],
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = decoder.decode(run.stderr);
  assert.equal(run.code, 0, stderr);
  assert.equal(JSON.parse(decoder.decode(run.stdout)).file, "photo.jpg");
  const gallery = await Deno.readTextFile(`${dir}/people.jsonl`);
  assert.match(gallery, /"person":"amy","file":"photo.jpg"/);
  // Only faceprint's own lines: no "Task …", no colour codes.
  assert.deepEqual(stderr.trim().split("\n"), [
    "faceprint: photo.jpg: 4 faces, enrolled the largest",
    ">loaded 1 examples for class: amy",
  ]);
});

/** Runs faceprint on a pseudo-terminal (util-linux `script`), returns everything it printed. */
async function onTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const command = [Deno.execPath(), "run", ...RUN_FLAGS, MAIN, ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(" ");
  const run = await new Deno.Command("script", {
    args: ["-qefc", command, "/dev/null"],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return decoder.decode(run.stdout) + decoder.decode(run.stderr);
}

const hasScript = await new Deno.Command("script", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);
if (!hasScript) {
  console.log("skipping the terminal colour test: util-linux 'script' is not installed");
}

Deno.test({
  name: "on a terminal, warnings are coloured unless NO_COLOR is set",
  ignore: !hasScript,
  fn: async () => {
    const args = ["detect", "missing.jpg", "--detector", "blazeface"];
    const coloured = await onTerminal(args, { TERM: "xterm" });
    assert.ok(coloured.includes(`${ESC}[33mfaceprint:`), coloured);
    const plain = await onTerminal(args, { TERM: "xterm", NO_COLOR: "1" });
    assert.match(plain, /faceprint: missing\.jpg: no such file or directory/);
    assert.doesNotMatch(plain, new RegExp(`${ESC}\\[\\d+(;\\d+)*m`));
  },
});
