/**
 * Smoke test of a faceprint build: `deno run -A tasks/smoke.ts dist/faceprint` runs the binary,
 * `deno run -A tasks/smoke.ts --source` runs the CLI from source with exactly the binary's
 * permissions. The script: version, detect on a sample photo, enrol two people (face crops it cuts
 * from the npm sample photos), train, identify, verify same and different. Exits 1 on the first
 * failed check, printing what was checked and what came out.
 */
import { decodeImage, resizeBilinear } from "../src/image/decode.ts";
import { encodePng } from "../src/image/encode_png.ts";
import type { Box, RgbImage } from "../src/types.ts";
import { RUN_FLAGS } from "./permissions.ts";

const ROOT = new URL("../", import.meta.url);
const SAMPLES = new URL("tests/fixtures/npm/", ROOT).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the faceprint under test with `args`. */
function faceprint(target: string[], args: string[]): Promise<Run> {
  const [cmd, ...pre] = target;
  return new Deno.Command(cmd, { args: [...pre, ...args], stdout: "piped", stderr: "piped" })
    .output()
    .then(({ code, stdout, stderr }) => ({
      code,
      stdout: new TextDecoder().decode(stdout),
      stderr: new TextDecoder().decode(stderr),
    }));
}

/** Logs a passed check; throws, with the run's output, for a failed one. */
function check(ok: boolean, what: string, run?: Run): void {
  if (ok) {
    console.error(`ok   ${what}`);
    return;
  }
  const detail = run ? `\nexit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}` : "";
  throw new Error(`FAIL ${what}${detail}`);
}

/** A square crop around `box` with `margin` (fraction of the box side), resized to `size`. */
function cropFace(image: RgbImage, box: Box, margin: number, size: number): RgbImage {
  const side = Math.max(box.width, box.height) * (1 + 2 * margin);
  const x0 = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
  const y0 = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
  const w = Math.min(image.width - x0, Math.round(side)),
    h = Math.min(image.height - y0, Math.round(side));
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * image.width + x0) * 3;
    data.set(image.data.subarray(from, from + w * 3), y * w * 3);
  }
  return resizeBilinear({ width: w, height: h, data }, size, size);
}

/** Detects faces in `file` with the faceprint under test; the largest first. */
async function faces(target: string[], file: string): Promise<Box[]> {
  const run = await faceprint(target, ["detect", file]);
  check(run.code === 0, `detect ${file}`, run);
  const boxes: Box[] = JSON.parse(run.stdout).faces.map((f: { box: Box }) => f.box);
  return boxes.sort((a, b) => b.width * b.height - a.width * a.height);
}

/** Margins (fraction of the face box) and output sizes of the crops `writeTwoPeople` makes. */
export const SMOKE_CROPS: [number, number][] = [[0.3, 200], [0.5, 260], [0.8, 320]];

/**
 * Writes `dir/alice/` (crops of the right-hand woman of sample1) and `dir/bea/` (the largest
 * face of sample6), one PNG per entry of `crops`, using the faceprint under test to find the
 * faces. Returns the detected boxes of both photos (sample1's sorted largest first).
 */
export async function writeTwoPeople(
  target: string[],
  dir: string,
  crops: [number, number][] = SMOKE_CROPS,
): Promise<{ sample1: Box[]; sample6: Box[]; alice: Box }> {
  const sample1 = `${SAMPLES}sample1.jpg`, sample6 = `${SAMPLES}sample6.jpg`;
  const boxes1 = await faces(target, sample1);
  const boxes6 = await faces(target, sample6);
  const alice = boxes1.reduce((a, b) => (b.x > a.x ? b : a));
  const people: [string, string, Box | undefined][] = [
    ["alice", sample1, alice],
    ["bea", sample6, boxes6[0]],
  ];
  for (const [name, file, box] of people) {
    if (!box) continue;
    const image = decodeImage(await Deno.readFile(file));
    await Deno.mkdir(`${dir}/${name}`, { recursive: true });
    for (const [i, [margin, size]] of crops.entries()) {
      const png = encodePng(cropFace(image, box, margin, size));
      await Deno.writeFile(`${dir}/${name}/${name}${i}.png`, png);
    }
  }
  return { sample1: boxes1, sample6: boxes6, alice };
}

/** Runs the whole script against `target` (a command line); returns when every check passed. */
export async function smoke(target: string[]): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "faceprint-smoke-" });
  const version = await faceprint(target, ["--version"]);
  check(version.code === 0 && /^faceprint \d/.test(version.stdout), "--version", version);

  const sample1 = `${SAMPLES}sample1.jpg`;
  const found = await writeTwoPeople(target, `${work}/people`);
  check(
    found.sample1.length === 3,
    `detect finds 3 faces in sample1 (found ${found.sample1.length})`,
  );
  check(
    found.sample6.length === 4,
    `detect finds 4 faces in sample6 (found ${found.sample6.length})`,
  );
  const right1 = found.alice;
  const gallery = `${work}/gallery.jsonl`, model = `${work}/model.json`;
  const enroll = await faceprint(target, ["enroll", `${work}/people`, "--gallery", gallery]);
  const statuses = enroll.stdout.trim().split("\n").map((l) => JSON.parse(l).status);
  check(
    enroll.code === 0 && statuses.length === 6 && statuses.every((s) => s === "enrolled"),
    "enroll 2 people × 3",
    enroll,
  );

  const train = await faceprint(target, ["train", "--gallery", gallery, "--out", model]);
  check(train.code === 0 && JSON.parse(train.stdout).trainAccuracy === 1, "train", train);

  const identify = await faceprint(target, [
    "identify",
    sample1,
    "--model",
    model,
    "--gallery",
    gallery,
  ]);
  const named = JSON.parse(identify.stdout).faces as { box: Box; name: string }[];
  const alice = named.find((f) => Math.abs(f.box.x - right1.x) < 10);
  check(
    identify.code === 0 && alice?.name === "alice",
    "identify names alice in sample1",
    identify,
  );
  check(
    named.filter((f) => f.name === "alice").length === 1,
    "identify names nobody else alice",
    identify,
  );

  const same = await faceprint(target, [
    "verify",
    `${work}/people/alice/alice0.png`,
    `${work}/people/alice/alice2.png`,
  ]);
  check(
    same.code === 0 && JSON.parse(same.stdout).same === true,
    "verify: same person → exit 0",
    same,
  );
  const different = await faceprint(target, [
    "verify",
    `${work}/people/alice/alice0.png`,
    `${work}/people/bea/bea0.png`,
  ]);
  check(
    different.code === 1 && JSON.parse(different.stdout).same === false,
    "verify: different people → exit 1",
    different,
  );
  await Deno.remove(work, { recursive: true });
}

if (import.meta.main) {
  const [arg] = Deno.args;
  if (!arg) {
    console.error("usage: deno run -A tasks/smoke.ts BINARY | --source");
    Deno.exit(2);
  }
  const target = arg === "--source"
    ? [Deno.execPath(), "run", ...RUN_FLAGS, new URL("src/main.ts", ROOT).pathname]
    : [arg];
  try {
    await smoke(target);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
  console.error("smoke: all checks passed");
}
