/**
 * `--flip` is recorded in galleries and model files: later runs take the file's setting, and a
 * conflicting flag or a model/gallery disagreement is refused (exit 2) before any work.
 */
import assert from "node:assert/strict";
import { jsonLines, runCli, SAMPLES } from "./run_cli.ts";
import { peopleDir } from "./people.ts";

interface Named {
  faces: { name: string; distance: number }[];
}

/** Rewrites line 1 of a gallery with `change` applied to its header. */
async function editHeader(path: string, change: (header: Record<string, unknown>) => void) {
  const lines = (await Deno.readTextFile(path)).split("\n");
  const header = JSON.parse(lines[0]);
  change(header);
  lines[0] = JSON.stringify(header);
  await Deno.writeTextFile(path, lines.join("\n"));
}

/** Two people enrolled with `--embedder dlib --flip` into a new gallery. */
async function enrollWithFlip(): Promise<{ work: string; gallery: string; alice0: string }> {
  const work = await peopleDir(2);
  const gallery = `${work}/g.jsonl`;
  const enroll = await runCli([
    "enroll",
    `${work}/people`,
    "--gallery",
    gallery,
    "--embedder",
    "dlib",
    "--flip",
  ]);
  assert.equal(enroll.code, 0, enroll.stderr);
  return { work, gallery, alice0: `${work}/people/alice/alice0.png` };
}

Deno.test("a gallery enrolled with --flip is identified with --flip without the flag; a conflicting flag is refused", async () => {
  const { gallery, alice0 } = await enrollWithFlip();
  const header = JSON.parse((await Deno.readTextFile(gallery)).split("\n")[0]);
  assert.equal(header.flip, true);

  // No flag: the gallery's embedder and --flip are used, so the enrolled photo comes back at ~0
  // (without --flip it is ~0.05 away: see the next test).
  const same = await runCli(["identify", alice0, "--gallery", gallery]);
  assert.equal(same.code, 0, same.stderr);
  const face = jsonLines<Named>(same.stdout)[0].faces[0];
  assert.equal(face.name, "alice");
  assert.ok(face.distance < 0.01, `distance ${face.distance}`);

  const list = await runCli(["gallery", "list", "--gallery", gallery]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stderr, /embedder dlib-resnet-v1 \(128-d\), made with --flip/);

  // An explicit other setting is refused, naming the gallery and both settings.
  const identify = await runCli(["identify", alice0, "--gallery", gallery, "--no-flip"]);
  assert.equal(identify.code, 2, identify.stderr);
  assert.equal(identify.stdout, "");
  assert.ok(
    identify.stderr.includes(`${gallery} was made with --flip but this run gives --no-flip`),
  );
  const before = await Deno.readTextFile(gallery);
  const mixed = await runCli([
    "enroll",
    "--name",
    "carol",
    alice0,
    "--gallery",
    gallery,
    "--no-flip",
  ]);
  assert.equal(mixed.code, 2, mixed.stderr);
  assert.ok(mixed.stderr.includes(`${gallery} was made with --flip`));
  assert.equal(await Deno.readTextFile(gallery), before);

  // gallery reembed changes the setting on request and records it; identify follows the gallery.
  const reembed = await runCli([
    "gallery",
    "reembed",
    "--gallery",
    gallery,
    "--embedder",
    "dlib",
    "--no-flip",
  ]);
  assert.equal(reembed.code, 0, reembed.stderr);
  assert.equal(JSON.parse((await Deno.readTextFile(gallery)).split("\n")[0]).flip, false);
  const after = await runCli(["identify", alice0, "--gallery", gallery]);
  assert.equal(after.code, 0, after.stderr);
  assert.ok(jsonLines<Named>(after.stdout)[0].faces[0].distance < 0.01);
  const nothing = await runCli(["gallery", "reembed", "--gallery", gallery, "--embedder", "dlib"]);
  assert.equal(nothing.code, 0, nothing.stderr);
  assert.match(
    nothing.stderr,
    /already embedded with dlib-resnet-v1 without --flip: nothing to do/,
  );
});

Deno.test("a gallery header without flip (older faceprint) still loads and identifies, with the default setting", async () => {
  const { gallery, alice0 } = await enrollWithFlip();
  await editHeader(gallery, (header) => delete header.flip);

  const id = await runCli(["identify", alice0, "--gallery", gallery]);
  assert.equal(id.code, 0, id.stderr);
  const face = jsonLines<Named>(id.stdout)[0].faces[0];
  assert.equal(face.name, "alice");
  // Default (no flip) against flipped vectors: no longer ~0, which shows the header was the
  // only thing that chose --flip in the test above.
  assert.ok(face.distance > 0.02, `distance ${face.distance}`);
  const flipped = await runCli(["identify", alice0, "--gallery", gallery, "--flip"]);
  assert.equal(flipped.code, 0, flipped.stderr);
  assert.ok(jsonLines<Named>(flipped.stdout)[0].faces[0].distance < 0.01);

  const list = await runCli(["gallery", "list", "--gallery", gallery]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stderr, /--flip setting not recorded/);
});

Deno.test("train copies flip into the model; a model and gallery made with different settings are refused", async () => {
  const { work, gallery, alice0 } = await enrollWithFlip();
  const model = `${work}/m.json`;
  const train = await runCli(["train", "--gallery", gallery, "--out", model]);
  assert.equal(train.code, 0, train.stderr);
  assert.equal(JSON.parse(await Deno.readTextFile(model)).flip, true);
  const svm = await runCli([
    "identify",
    alice0,
    "--gallery",
    gallery,
    "--model",
    model,
    "--method",
    "svm",
  ]);
  assert.equal(svm.code, 0, svm.stderr);
  assert.equal(jsonLines<Named>(svm.stdout)[0].faces[0].name, "alice");

  const other = `${work}/other.jsonl`;
  await Deno.copyFile(gallery, other);
  await editHeader(other, (header) => header.flip = false);
  const refused = await runCli([
    "identify",
    alice0,
    "--gallery",
    other,
    "--model",
    model,
    "--method",
    "svm",
  ]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.ok(
    refused.stderr.includes(`${model} was made with --flip and ${other} without --flip`),
    refused.stderr,
  );
});

Deno.test("embed --flip records flip; cluster and enroll --clusters carry it into the gallery; mixed settings are refused", async () => {
  const work = await Deno.makeTempDir({ prefix: "faceprint-flip-" });
  for (const copy of ["a", "b"]) {
    await Deno.copyFile(`${SAMPLES}sample1.jpg`, `${work}/${copy}.jpg`);
  }
  const embed = await runCli([
    "embed",
    `${work}/a.jpg`,
    `${work}/b.jpg`,
    "--embedder",
    "dlib",
    "--flip",
  ]);
  assert.equal(embed.code, 0, embed.stderr);
  const images = jsonLines<{ flip: boolean; embedder: string }>(embed.stdout);
  assert.deepEqual(images.map((r) => r.flip), [true, true]);
  const embeddings = `${work}/emb.jsonl`;
  await Deno.writeTextFile(embeddings, embed.stdout);

  const cluster = await runCli(["cluster", "--from-embeddings", embeddings]);
  assert.equal(cluster.code, 0, cluster.stderr);
  const faces = jsonLines<{ cluster: number | null; flip: boolean }>(cluster.stdout);
  assert.ok(faces.length >= 6 && faces.every((f) => f.flip === true));
  const clusters = `${work}/clusters.jsonl`;
  await Deno.writeTextFile(clusters, cluster.stdout);
  const id = faces.find((f) => f.cluster !== null)!.cluster;

  const gallery = `${work}/g.jsonl`;
  const enroll = await runCli([
    "enroll",
    "--clusters",
    clusters,
    "--name",
    `p=${id}`,
    "--gallery",
    gallery,
  ]);
  assert.equal(enroll.code, 0, enroll.stderr);
  assert.equal(JSON.parse((await Deno.readTextFile(gallery)).split("\n")[0]).flip, true);

  // A gallery made without --flip does not take these faces, and is left as it was.
  await editHeader(gallery, (header) => header.flip = false);
  const before = await Deno.readTextFile(gallery);
  const refused = await runCli([
    "enroll",
    "--clusters",
    clusters,
    "--name",
    `q=${id}`,
    "--gallery",
    gallery,
  ]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /made without --flip; this run embeds with --flip/);
  assert.ok(refused.stderr.includes(gallery));
  assert.equal(await Deno.readTextFile(gallery), before);

  // One embeddings file mixing the two settings is refused, naming the line.
  const lines = embed.stdout.trim().split("\n");
  const other = JSON.parse(lines[1]);
  other.flip = false;
  await Deno.writeTextFile(embeddings, `${lines[0]}\n${JSON.stringify(other)}\n`);
  const mixed = await runCli(["cluster", "--from-embeddings", embeddings]);
  assert.equal(mixed.code, 2, mixed.stderr);
  assert.ok(mixed.stderr.includes(`${embeddings}:2: flip false differs from true (line 1)`));
});
