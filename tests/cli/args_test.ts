/**
 * Command-line mistakes get one plain line that says what to do: the closest real option or
 * command, -f=csv read as -f csv, a file given where enroll wants a folder of people.
 */
import assert from "node:assert/strict";
import { runCli, SAMPLES } from "./run_cli.ts";

const sample1 = `${SAMPLES}sample1.jpg`;

Deno.test("a misspelled option names the closest one; exit 2, nothing on stdout", async () => {
  const cases: [string[], string][] = [
    [
      ["detect", "--min_face", "40", sample1],
      "unknown option --min_face (did you mean --min-face?)",
    ],
    [["identify", "--modle", "m.json", sample1], "unknown option --modle (did you mean --model?)"],
    [["enroll", "--galery", "g.jsonl", "x/"], "unknown option --galery (did you mean --gallery?)"],
    [["detect", "--frobnicate", sample1], "unknown option --frobnicate (see --help)"],
    [["detect", "--format"], "--format needs a value (see --help)"],
    [["detect", "--flip=yes", sample1], "--flip takes no value (see --help)"],
    [["idenitfy", sample1], 'unknown command "idenitfy" (did you mean identify?)'],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].startsWith("faceprint: ") && lines[0].includes(message), lines[0]);
  }
});

Deno.test("-f=csv is read as -f csv", async () => {
  const r = await runCli(["detect", "-f=csv", sample1, "--detector", "blazeface"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith("file,image_width,"), r.stdout.slice(0, 40));
});

Deno.test("enroll given one image points to enroll --name NAME IMAGE...", async () => {
  const r = await runCli(["enroll", sample1, "--gallery", "/nonexistent/g.jsonl"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /sample1\.jpg is a file, not a folder of people: to enrol images of one person, run 'faceprint enroll --name NAME IMAGE\.\.\. --gallery G'/,
  );
});
