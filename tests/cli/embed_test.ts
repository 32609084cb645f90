/** `faceprint embed` (built-in dlib ResNet and a user graph model) and `--detector blazeface`. */
import assert from "node:assert/strict";
import { decodeImage, resizeBilinear } from "../../src/image/decode.ts";
import { encodePng } from "../../src/image/encode_png.ts";
import { jsonLines, runCli, SAMPLES } from "./run_cli.ts";

interface Face {
  box: { x: number; y: number; width: number; height: number };
  embedding: number[];
}
interface Rec {
  file: string;
  faces: Face[];
}

const sample1 = `${SAMPLES}sample1.jpg`;
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const cx = (f: Face) => f.box.x + f.box.width / 2;

Deno.test("embed: unit 320-d fused vectors; the same faces at half size stay close, different faces less so", async () => {
  const dir = await Deno.makeTempDir();
  const image = decodeImage(await Deno.readFile(sample1));
  await Deno.writeFile(`${dir}/half.png`, encodePng(resizeBilinear(image, 960, 640)));
  const { code, stdout, stderr } = await runCli(["embed", sample1, `${dir}/half.png`]);
  assert.equal(code, 0, stderr);
  const [full, half] = jsonLines<Rec>(stdout).map((r) => r.faces.toSorted((a, b) => cx(a) - cx(b)));
  assert.equal(full.length, 3);
  assert.equal(half.length, 3);
  for (const f of [...full, ...half]) {
    assert.equal(f.embedding.length, 320);
    assert.ok(Math.abs(Math.hypot(...f.embedding) - 1) < 1e-5);
  }
  for (let i = 0; i < 3; i++) {
    const same = dot(full[i].embedding, half[i].embedding);
    assert.ok(same > 0.97, `face ${i} at two scales: cosine ${same}`);
    for (let j = 0; j < 3; j++) {
      if (j === i) continue;
      const other = dot(full[i].embedding, half[j].embedding);
      assert.ok(other < same - 0.03, `face ${i} vs ${j}: ${other} not below ${same}`);
    }
  }
});

Deno.test("embed --pick largest keeps one face and says how many were found", async () => {
  const { stdout } = await runCli(["embed", "--pick", "largest", sample1]);
  const [rec] = jsonLines<Rec & { detected: number }>(stdout);
  assert.equal(rec.detected, 3);
  assert.equal(rec.faces.length, 1);
});

Deno.test("--embedder dlib|mobilefacenet|fused: the fused vector is the two unit vectors / √2", async () => {
  const run = async (embedder: string) => {
    const { code, stdout, stderr } = await runCli([
      "embed",
      "--pick",
      "largest",
      "--jobs",
      "1",
      "--embedder",
      embedder,
      sample1,
    ]);
    assert.equal(code, 0, stderr);
    return jsonLines<Rec>(stdout)[0].faces[0].embedding;
  };
  const [dlib, mobile, fused] = await Promise.all(["dlib", "mobilefacenet", "fused"].map(run));
  assert.equal(dlib.length, 128);
  assert.equal(mobile.length, 192);
  const expected = [...dlib, ...mobile].map((v) => v / Math.SQRT2);
  assert.ok(fused.every((v, i) => Math.abs(v - expected[i]) < 1e-6));
  const bad = await runCli(["embed", "--embedder", "facenet", sample1]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /facenet: cannot read the model: file not found/);
});

Deno.test("--embedder: a user tfjs graph model (faceres, 1024-d) through the CLI", async () => {
  const model = new URL("../fixtures/npm/faceres.json", import.meta.url).pathname;
  const args = [
    "embed",
    "--embedder",
    model,
    "--embedder-norm",
    "raw",
    "--embedder-output",
    "global_pooling/Mean",
  ];
  const { code, stdout, stderr } = await runCli([...args, sample1]);
  assert.equal(code, 0, stderr);
  const faces = jsonLines<Rec>(stdout)[0].faces;
  assert.equal(faces.length, 3);
  assert.equal(faces[0].embedding.length, 1024);
  const missing = await runCli(["embed", "--embedder", "/nonexistent/model.json", sample1]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/model\.json/);
});

Deno.test("--detector blazeface finds the same three faces of sample1", async () => {
  const mtcnn = jsonLines<Rec>((await runCli(["detect", sample1])).stdout)[0].faces;
  const { code, stdout } = await runCli(["detect", "--detector", "blazeface", sample1]);
  assert.equal(code, 0);
  const blaze = jsonLines<Rec>(stdout)[0].faces;
  assert.equal(blaze.length, 3);
  for (const f of mtcnn) {
    const nearest = Math.min(...blaze.map((b) => Math.abs(cx(b) - cx(f))));
    assert.ok(nearest < 40, `no BlazeFace box near x=${cx(f)}`);
  }
});
