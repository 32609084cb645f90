/**
 * `faceprint cluster` and `enroll --clusters` on real faces: the npm sample photos (20 faces in 6
 * photos) plus a copy of each photo at 60% size and 15% brighter, made here. A face and its copy
 * are the same person; two faces of one photo are not.
 */
import assert from "node:assert/strict";
import { decodeImage, resizeBilinear } from "../../src/image/decode.ts";
import { encodePng } from "../../src/image/encode_png.ts";
import type { RgbImage } from "../../src/types.ts";
import { scoreClusters } from "../../src/cluster/metrics.ts";
import { jsonLines, runCli, SAMPLES } from "./run_cli.ts";

interface Face {
  file: string;
  face: number;
  box: { x: number; y: number; width: number; height: number };
  cluster: number | null;
  size: number;
  landmarks: Record<string, [number, number]>;
  embedder: string;
  embedding: number[];
}

const PHOTOS = [1, 2, 3, 4, 5, 6].map((n) => `sample${n}`);
const SCALE = 0.6;

function brighterSmaller(image: RgbImage, scale: number): RgbImage {
  const out = resizeBilinear(
    image,
    Math.round(image.width * scale),
    Math.round(image.height * scale),
  );
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(255, out.data[i] * 1.15);
  return out;
}

function mirrored(image: RgbImage): RgbImage {
  const { width, height } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(
        image.data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3),
        (y * width + width - 1 - x) * 3,
      );
    }
  }
  return { width, height, data };
}

let prepared: Promise<{ work: string; copies: string }> | undefined;
/** The copies (made once per run) and the dlib clustering of photos + copies, -j2. */
function setup() {
  prepared ??= (async () => {
    const work = await Deno.makeTempDir({ prefix: "faceprint-cluster-" });
    const copies = `${work}/copies`;
    await Deno.mkdir(copies);
    for (const name of PHOTOS) {
      const image = decodeImage(await Deno.readFile(`${SAMPLES}${name}.jpg`));
      await Deno.writeFile(`${copies}/${name}-small.png`, encodePng(brighterSmaller(image, SCALE)));
    }
    return { work, copies };
  })();
  return prepared;
}

function overlap(a: Face["box"], b: Face["box"]): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w <= 0 || h <= 0 ? 0 : (w * h) / (a.width * a.height + b.width * b.height - w * h);
}

const base = (f: string) => f.split("/").pop()!.replace(/(-small)?\.(jpg|png)$/, "");
const photos = PHOTOS.map((p) => `${SAMPLES}${p}.jpg`);

Deno.test("cluster: each face joins its smaller, brighter copy; faces of one photo stay apart; same bytes with -j1 and -j2", async () => {
  const { work, copies } = await setup();
  const args = ["cluster", "--embedder", "dlib", ...photos, copies, "--sheets", `${work}/sheets`];
  const two = await runCli([...args, "-j", "2"]);
  assert.equal(two.code, 0, two.stderr);
  const faces = jsonLines<Face>(two.stdout);
  assert.equal(faces.length, 40, "20 faces in the photos, 20 in the copies");
  assert.match(two.stderr, /40 faces, \d+ clusters of 2\+ faces, \d+ unclustered/);
  const originals = faces.filter((f) => f.file.endsWith(".jpg"));
  for (const f of originals) {
    const scaled = {
      x: f.box.x * SCALE,
      y: f.box.y * SCALE,
      width: f.box.width * SCALE,
      height: f.box.height * SCALE,
    };
    const copy = faces.find((c) =>
      base(c.file) === base(f.file) && c.file.endsWith(".png") && overlap(c.box, scaled) > 0.5
    );
    assert.ok(copy, `${f.file} face ${f.face}: its copy was detected`);
    assert.notEqual(f.cluster, null, `${f.file} face ${f.face} is in a group`);
    assert.equal(copy.cluster, f.cluster, `${f.file} face ${f.face} is grouped with its copy`);
    for (const g of originals) {
      if (g.file === f.file && g.face !== f.face) {
        assert.notEqual(
          g.cluster,
          f.cluster,
          `${f.file}: faces ${f.face} and ${g.face} are different people`,
        );
      }
    }
  }
  const sizes = faces.map((f) => f.size);
  const ids = faces.map((f) => f.cluster!);
  for (const [i, id] of ids.entries()) {
    for (const [j, other] of ids.entries()) {
      if (id < other) assert.ok(sizes[i] >= sizes[j], "cluster ids go by group size");
    }
  }
  assert.equal(new Set(faces.map((f) => f.embedder)).size, 1);
  assert.match(faces[0].embedder, /^dlib-resnet-v1@[0-9a-f]{64}$/);
  const sheets = [...Deno.readDirSync(`${work}/sheets`)].map((e) => e.name).sort();
  assert.equal(sheets.length, Math.max(...ids) + 1);
  assert.equal(sheets[0], "cluster-0000.png");
  const sheet = decodeImage(await Deno.readFile(`${work}/sheets/cluster-0000.png`));
  assert.ok(sheet.width >= 2 * 96 && sheet.height > 96, "a sheet shows the group's chips");

  const one = await runCli([...args, "-j", "1"]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, two.stdout, "the same output whatever --jobs");
  await Deno.writeTextFile(`${work}/clusters.jsonl`, two.stdout);
});

Deno.test("cluster → enroll --clusters → train → identify names the faces of a mirrored photo", async () => {
  const { work } = await setup();
  const clustersFile = `${work}/clusters.jsonl`;
  const faces = jsonLines<Face>(await Deno.readTextFile(clustersFile));
  const sample1 = faces.filter((f) => f.file.endsWith("sample1.jpg"));
  assert.equal(sample1.length, 3);
  const gallery = `${work}/gallery.jsonl`;
  const names = sample1.map((f) => `p${f.face}=${f.cluster}`);
  const enroll = await runCli([
    "enroll",
    "--clusters",
    clustersFile,
    ...names.flatMap((n) => ["--name", n]),
    "--gallery",
    gallery,
  ]);
  assert.equal(enroll.code, 0, enroll.stderr);
  const lines = jsonLines<{ status: string; person: string }>(enroll.stdout);
  assert.ok(lines.length >= 6 && lines.every((l) => l.status === "enrolled"));
  const again = await runCli([
    "enroll",
    "--clusters",
    clustersFile,
    "--name",
    names[0],
    "--gallery",
    gallery,
  ]);
  assert.ok(
    jsonLines<{ status: string }>(again.stdout).every((l) => l.status === "already-enrolled"),
  );

  // Clustering again with the gallery names the groups (from the stored embeddings: no model).
  const emb = `${work}/again.jsonl`;
  await Deno.writeTextFile(
    emb,
    faces.map((f) =>
      JSON.stringify({
        file: f.file,
        embedder: f.embedder,
        faces: [{ box: f.box, landmarks: f.landmarks, embedding: f.embedding }],
      })
    ).join("\n") + "\n",
  );
  const report = `${work}/groups.html`;
  const named = await runCli([
    "cluster",
    "--from-embeddings",
    emb,
    "--gallery",
    gallery,
    "--report",
    report,
  ]);
  assert.equal(named.code, 0, named.stderr);
  // The report shows every group with its size, as the records say.
  const html = await Deno.readTextFile(report);
  const printed = jsonLines<{ cluster: number | null; size: number }>(named.stdout);
  for (const id of new Set(printed.map((f) => f.cluster).filter((c) => c !== null))) {
    const size = printed.find((f) => f.cluster === id)!.size;
    assert.match(html, new RegExp(`data-key="cluster\\.${id}\\.size"[^>]*>${size}<`));
  }
  assert.doesNotMatch(html, /(src|href)="(?!data:|#)/, "nothing fetched from elsewhere");
  const namedFaces = jsonLines<Face & { name?: string }>(named.stdout);
  for (const f of sample1) {
    const same = namedFaces.filter((g) =>
      g.cluster !== null &&
      g.cluster ===
        namedFaces.find((h) => h.file === f.file && overlap(h.box, f.box) > 0.9)?.cluster
    );
    assert.ok(
      same.length >= 2 && same.every((g) => g.name === `p${f.face}`),
      `group of sample1 face ${f.face} named p${f.face}`,
    );
  }
  assert.ok(namedFaces.filter((g) => g.cluster === null).every((g) => g.name === undefined));

  const model = `${work}/model.json`;
  const train = await runCli(["train", "--gallery", gallery, "--out", model]);
  assert.equal(train.code, 0, train.stderr);
  const image = decodeImage(await Deno.readFile(`${SAMPLES}sample1.jpg`));
  await Deno.writeFile(`${work}/mirror.png`, encodePng(mirrored(resizeBilinear(image, 1440, 960))));
  const id = await runCli([
    "identify",
    `${work}/mirror.png`,
    "--model",
    model,
    "--gallery",
    gallery,
  ]);
  assert.equal(id.code, 0, id.stderr);
  const found = jsonLines<{ faces: { box: Face["box"]; name: string }[] }>(id.stdout)[0].faces;
  for (const f of sample1) {
    const k = 1440 / image.width;
    const box = {
      x: 1440 - (f.box.x + f.box.width) * k,
      y: f.box.y * k,
      width: f.box.width * k,
      height: f.box.height * k,
    };
    const match = found.find((g) => overlap(g.box, box) > 0.5);
    assert.equal(match?.name, `p${f.face}`, `sample1 face ${f.face} named after its group`);
  }
});

Deno.test("bad input: a broken embeddings line or another embedder is named, nothing written; a gallery of another embedder is left alone", async () => {
  const { work } = await setup();
  const clusters = (await Deno.readTextFile(`${work}/clusters.jsonl`)).split("\n").filter(Boolean);
  const embedLine = (r: Face) =>
    JSON.stringify({
      file: r.file,
      embedder: r.embedder,
      faces: [{ box: r.box, landmarks: r.landmarks, embedding: r.embedding }],
    });
  const records = clusters.map((l) => JSON.parse(l) as Face);
  const good = records.slice(0, 4).map(embedLine);
  const broken = `${work}/broken.jsonl`;
  await Deno.writeTextFile(
    broken,
    [...good.slice(0, 2), good[2].slice(0, 50), good[3]].join("\n") + "\n",
  );
  const a = await runCli(["cluster", "--from-embeddings", broken]);
  assert.equal(a.code, 2);
  assert.equal(a.stdout, "");
  assert.match(a.stderr, new RegExp(`${broken}:3: not a JSON line`));

  const mixed = `${work}/mixed.jsonl`;
  const other = JSON.parse(good[3]);
  other.embedder = "fused-v1@" + "0".repeat(64);
  await Deno.writeTextFile(mixed, [...good.slice(0, 3), JSON.stringify(other)].join("\n") + "\n");
  const b = await runCli(["cluster", "--from-embeddings", mixed]);
  assert.equal(b.code, 2);
  assert.equal(b.stdout, "");
  assert.match(
    b.stderr,
    new RegExp(`${mixed}:4: embedder fused-v1@0+ differs from dlib-resnet-v1@`),
  );

  const ok = await runCli([
    "cluster",
    "--from-embeddings",
    `${work}/clusters.jsonl`.replace("clusters", "none"),
  ]);
  assert.equal(ok.code, 2);

  const foreign = `${work}/fused-gallery.jsonl`;
  const header = {
    faceprint: "gallery",
    schema: 1,
    embedder: "fused-v1",
    embedderHash: "0".repeat(64),
    dim: 320,
  };
  await Deno.writeTextFile(foreign, JSON.stringify(header) + "\n");
  const c = await runCli([
    "enroll",
    "--clusters",
    `${work}/clusters.jsonl`,
    "--name",
    `x=${records[0].cluster}`,
    "--gallery",
    foreign,
  ]);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /made with embedder fused-v1/);
  assert.equal(await Deno.readTextFile(foreign), JSON.stringify(header) + "\n");
});

const LFW = new URL("../../../shared/data/lfw-dev/images/", import.meta.url).pathname;
const lfwPresent = await Deno.stat(LFW).then(() => true, () => false);
if (!lfwPresent) console.log(`skipping the LFW cluster test: ${LFW} not found`);

Deno.test({
  name:
    "cluster on LFW: 8 people × 4 photos, the default merges no two people and keeps most together",
  ignore: !lfwPresent,
  fn: async () => {
    const people: string[] = [];
    for (const e of [...Deno.readDirSync(LFW)].sort((a, b) => a.name < b.name ? -1 : 1)) {
      if ([...Deno.readDirSync(`${LFW}${e.name}`)].length >= 4) people.push(e.name);
      if (people.length === 8) break;
    }
    const files = people.flatMap((p) =>
      [...Deno.readDirSync(`${LFW}${p}`)].map((e) => `${LFW}${p}/${e.name}`).sort().slice(0, 4)
    );
    const { code, stdout, stderr } = await runCli(["cluster", ...files]);
    assert.equal(code, 0, stderr);
    // The labelled person is the face at the centre of each 250×250 crop; others are bystanders.
    const centred = jsonLines<Face>(stdout).filter((f) =>
      Math.hypot(f.box.x + f.box.width / 2 - 125, f.box.y + f.box.height / 2 - 125) < 30
    );
    assert.equal(centred.length, 32);
    const s = scoreClusters(
      centred.map((f, i) => f.cluster ?? -1 - i),
      centred.map((f) => f.file.split("/").slice(-2, -1)[0]),
    );
    assert.equal(s.pairwise.precision, 1, "no two people in one group");
    assert.ok(s.bcubed.f1 >= 0.9, `BCubed F1 ${s.bcubed.f1}`);
  },
});
