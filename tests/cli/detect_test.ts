/**
 * `faceprint detect` as a user runs it: a subprocess with only read/write permissions, on the
 * npm-shipped sample photos and on files the tests make.
 */
import assert from "node:assert/strict";
import { decodeImage, resizeBilinear } from "../../src/image/decode.ts";
import { applyOrientation } from "../../src/image/orientation.ts";
import { encodePng } from "../../src/image/encode_png.ts";
import { concat, exifTiff, pngChunk } from "../image/builders.ts";
import { CSV_HEADER, jsonLines, runCli, SAMPLES } from "./run_cli.ts";

interface Face {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  landmarks: Record<string, [number, number]>;
}
interface Rec {
  file: string;
  width?: number;
  height?: number;
  faces?: Face[];
  error?: string;
}

const sample1 = `${SAMPLES}sample1.jpg`;
const center = (
  f: Face,
): [number, number] => [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];

Deno.test("--version names each embedded model with its sha256, and the calibrated thresholds", async () => {
  const { code, stdout } = await runCli(["--version"]);
  assert.equal(code, 0);
  assert.match(stdout, /^faceprint \d+\.\d+\.\d+/);
  assert.match(
    stdout,
    /mtcnn .*sha256:20f4d3ac278e42e9a079453441533ec4e79bb6bd2e7cf7bd33e34ee123d674cb/,
  );
  assert.match(stdout, /dlib-resnet .*face_recognition_model\.weights.*sha256:58c8187e/);
  assert.match(stdout, /mobilefacenet .*MobileFaceNet\.tflite.*sha256:d8ba40c0/);
  assert.match(
    stdout,
    /threshold {2}fused-v1\+flip {2}0\.\d+ {2}\(LFW folds 1-5: 99\.\d\d% k-fold\)/,
  );
});

Deno.test("detect finds the three faces of sample1 where they are, landmarks inside", async () => {
  const { code, stdout, stderr } = await runCli(["detect", sample1]);
  assert.equal(code, 0, stderr);
  const [rec] = jsonLines<Rec>(stdout);
  assert.equal(rec.width, 1920);
  assert.equal(rec.height, 1280);
  const faces = rec.faces!.toSorted((a, b) => a.box.x - b.box.x);
  assert.equal(faces.length, 3);
  // Face centres read off the photo by eye (left, middle, right woman).
  const expected = [[505, 475], [935, 540], [1580, 320]];
  faces.forEach((f, i) => {
    const [cx, cy] = center(f);
    assert.ok(
      Math.hypot(cx - expected[i][0], cy - expected[i][1]) < 60,
      `face ${i} at ${cx},${cy}`,
    );
    assert.ok(f.score > 0.9);
    for (const [x, y] of Object.values(f.landmarks)) {
      assert.ok(
        x >= f.box.x && x <= f.box.x + f.box.width && y >= f.box.y && y <= f.box.y + f.box.height,
      );
    }
    assert.ok(f.landmarks.leftEye[0] < f.landmarks.rightEye[0]);
    assert.ok(f.landmarks.leftEye[1] < f.landmarks.mouthLeft[1]);
  });
});

Deno.test("a picture with no face gives faces: [] and exit 0", async () => {
  const dir = await Deno.makeTempDir();
  const width = 320, height = 240, data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data.set([(i % width) * 255 / width, (i / width) * 255 / height, 128], i * 3);
  }
  await Deno.writeFile(`${dir}/gradient.png`, encodePng({ width, height, data }));
  const { code, stdout } = await runCli(["detect", `${dir}/gradient.png`]);
  assert.equal(code, 0);
  assert.deepEqual(jsonLines<Rec>(stdout)[0].faces, []);
});

Deno.test("a corrupt file gives an error record, one stderr line, exit 1; the batch goes on", async () => {
  const dir = await Deno.makeTempDir();
  const bytes = await Deno.readFile(sample1);
  await Deno.writeFile(`${dir}/a_truncated.jpg`, bytes.subarray(0, 2000));
  await Deno.writeFile(`${dir}/b_random.png`, crypto.getRandomValues(new Uint8Array(500)));
  await Deno.copyFile(sample1, `${dir}/c_good.jpg`);
  const { code, stdout, stderr } = await runCli(["detect", dir, `${dir}/missing.jpg`]);
  assert.equal(code, 1);
  const recs = jsonLines<Rec>(stdout);
  assert.deepEqual(recs.map((r) => r.file.split("/").pop()), [
    "a_truncated.jpg",
    "b_random.png",
    "c_good.jpg",
    "missing.jpg",
  ]);
  assert.match(recs[0].error!, /truncated JPEG|corrupt JPEG/);
  assert.equal(recs[1].error, "not an image (unknown format)");
  assert.equal(recs[2].faces!.length, 3);
  assert.equal(recs[3].error, "no such file or directory");
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^faceprint: .*a_truncated\.jpg: /);
});

Deno.test("EXIF orientation: copies stored rotated, with an orientation tag, give the same boxes", async () => {
  // Each copy stores the pixels turned the other way and says so in an eXIf chunk, as a camera
  // does: once faceprint applies the tag, the picture is upright again and the faces are found
  // where they are in the original.
  const upright = resizeBilinear(decodeImage(await Deno.readFile(sample1)), 960, 640);
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/upright.png`, encodePng(upright));
  const expected = jsonLines<Rec>((await runCli(["detect", `${dir}/upright.png`])).stdout)[0]
    .faces!;
  assert.equal(expected.length, 3);
  const stored: Record<number, number> = { 3: 3, 6: 8, 8: 6, 2: 2 };
  for (const [orientation, inverse] of Object.entries(stored)) {
    const png = encodePng(applyOrientation(upright, inverse));
    const tagged = concat(
      png.subarray(0, 33),
      pngChunk("eXIf", exifTiff(Number(orientation), false)),
      png.subarray(33),
    );
    await Deno.writeFile(`${dir}/o${orientation}.png`, tagged);
  }
  const { stdout } = await runCli([
    "detect",
    ...Object.keys(stored).map((o) => `${dir}/o${o}.png`),
  ]);
  for (const rec of jsonLines<Rec>(stdout)) {
    assert.equal(rec.width, 960, rec.file);
    assert.equal(rec.faces!.length, 3, rec.file);
    for (const face of expected) {
      const [ex, ey] = center(face);
      const nearest = Math.min(
        ...rec.faces!.map((f) => Math.hypot(center(f)[0] - ex, center(f)[1] - ey)),
      );
      assert.ok(nearest < 6, `${rec.file}: no face near ${ex},${ey}`);
    }
  }
});

Deno.test("--format csv: header, one row per face; usage errors exit 2", async () => {
  const { code, stdout } = await runCli(["detect", "--format", "csv", sample1]);
  assert.equal(code, 0);
  const lines = stdout.trim().split("\n");
  assert.equal(lines[0], CSV_HEADER);
  assert.equal(lines.length, 4);
  assert.ok(lines[1].startsWith(`${sample1},1920,1280,3,3,0,`), lines[1]);
  for (
    const args of [["detect"], ["detect", "--format", "xml", sample1], [
      "detect",
      "--min-face",
      "-3",
      sample1,
    ], ["nope"]]
  ) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^faceprint: /);
  }
});

Deno.test("stdin (-) and --crops: aligned 150x150 chips are written", async () => {
  const dir = await Deno.makeTempDir();
  const { code, stdout } = await runCli(["detect", "--crops", dir, "-"], {
    stdin: await Deno.readFile(sample1),
  });
  assert.equal(code, 0);
  assert.equal(jsonLines<Rec>(stdout)[0].file, "-");
  const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  assert.deepEqual(names, ["stdin_0.png", "stdin_1.png", "stdin_2.png"]);
  const chip = decodeImage(await Deno.readFile(`${dir}/stdin_0.png`));
  assert.equal(chip.width, 150);
  assert.equal(chip.height, 150);
});
