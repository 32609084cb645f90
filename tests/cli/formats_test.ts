/**
 * `faceprint embed` over a folder holding one picture as JPEG, WebP, AVIF (8/10/12-bit) and HEIC:
 * every decodable copy gives the JPEG's face, HEIC one line naming a converter.
 */
import assert from "node:assert/strict";
import { jsonLines, runCli } from "./run_cli.ts";

const FIXTURES = new URL("../fixtures/formats/", import.meta.url).pathname;

interface Face {
  box: { x: number; y: number; width: number; height: number };
  embedding: number[];
}
interface Rec {
  file: string;
  width?: number;
  height?: number;
  faces?: Face[];
  error?: string;
}

Deno.test("embed: WebP and AVIF copies give the JPEG's face (4 faces, boxes ±4 px, distance < 0.15); HEIC refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const name of ["portrait.jpg", "portrait.webp", "portrait.avif", "portrait_10bit.avif"]) {
      await Deno.copyFile(`${FIXTURES}${name}`, `${dir}/${name}`);
    }
    await Deno.copyFile(`${FIXTURES}portrait_12bit.avif`, `${dir}/portrait_12bit.AVIF`);
    await Deno.copyFile(`${FIXTURES}portrait.heic`, `${dir}/portrait.heic`);
    // A WebP named .jpg, as people's files sometimes are: the bytes decide.
    await Deno.copyFile(`${FIXTURES}portrait.webp`, `${dir}/renamed_webp.jpg`);
    const { code, stdout, stderr } = await runCli(["embed", "--embedder", "dlib", dir]);
    assert.equal(code, 1, "the HEIC file fails, the rest are written");
    const records = jsonLines<Rec>(stdout);
    const byName = Object.fromEntries(records.map((r) => [r.file.split("/").pop()!, r]));
    assert.deepEqual(Object.keys(byName).sort(), [
      "portrait.avif",
      "portrait.heic",
      "portrait.jpg",
      "portrait.webp",
      "portrait_10bit.avif",
      "portrait_12bit.AVIF",
      "renamed_webp.jpg",
    ]);
    assert.match(
      byName["portrait.heic"].error!,
      /^HEIC is not supported in this build.*heif-convert/,
    );
    assert.equal(stderr.trim().split("\n").filter((l) => l.includes("portrait.heic")).length, 1);
    const reference = byName["portrait.jpg"].faces!;
    assert.equal(reference.length, 4, "the four women of npm sample6");
    const center = (f: Face) => [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];
    const apart = (f: Face, g: Face) =>
      Math.hypot(center(f)[0] - center(g)[0], center(f)[1] - center(g)[1]);
    for (const [name, record] of Object.entries(byName)) {
      if (name.endsWith(".heic") || name === "portrait.jpg") continue;
      assert.deepEqual([record.width, record.height], [480, 384], name);
      assert.equal(record.faces!.length, 4, name);
      for (const a of reference) {
        const b = record.faces!.reduce((best, f) => apart(f, a) < apart(best, a) ? f : best);
        for (const k of ["x", "y", "width", "height"] as const) {
          assert.ok(
            Math.abs(a.box[k] - b.box[k]) <= 4,
            `${name} box.${k}: ${a.box[k]} vs ${b.box[k]}`,
          );
        }
        const distance = Math.hypot(...a.embedding.map((v, i) => v - b.embedding[i]));
        assert.ok(distance < 0.15, `${name}: embedding distance ${distance.toFixed(3)}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
