/**
 * Makes the README's report screenshots (docs/reports/*.png) from the npm sample photos only:
 *   deno run --allow-read --allow-write --allow-run tasks/report_screenshots.ts
 * (needs `deno task models` and Chromium: apt-get update && apt-get install -y chromium).
 *
 * Each face of the six sample photos becomes a "person" with six crops (different margins and
 * sizes, two mirrored). Then, with the CLI run from source and the dlib embedder:
 * `evaluate --pairs` on four same-person crop pairs per person and as many different-person
 * pairs, `evaluate DIR` with the people of sample1 and sample6 enrolled (five crops to train,
 * one to validate) and those of sample5 only in val (strangers), `identify` of sample1, 6, 5
 * and 3 with that training set, and `cluster` of all the crops; each with --report, opened in Chromium, screenshotted and
 * scaled to 800 px wide (identify: the top 1,250 px, 640 px wide). The crops come from the
 * photos identified, so the answers are easier than on new photos: the pages show what the
 * reports look like, not how good faceprint is.
 */
import { decodeImage } from "../src/image/decode.ts";
import { encodePng } from "../src/image/encode_png.ts";
import { cropSquare } from "../src/report/thumbnails.ts";
import type { Box, RgbImage } from "../src/types.ts";
import { findChromium, openInChromium, shrinkScreenshot } from "./chromium.ts";
import { RUN_FLAGS } from "./permissions.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const SAMPLES = `${ROOT}tests/fixtures/npm/`;
const OUT = `${ROOT}docs/reports/`;
const CLI = ["run", ...RUN_FLAGS, `${ROOT}src/main.ts`];
/** Where everything is made; the commands run there with relative paths (as the pages show). */
const WORK = await Deno.makeTempDir({ prefix: "faceprint-screens-" });
const CROPS: { margin: number; size: number; mirror: boolean }[] = [
  { margin: 0.3, size: 220, mirror: false },
  { margin: 0.6, size: 300, mirror: false },
  { margin: 0.2, size: 160, mirror: true },
  { margin: 0.45, size: 120, mirror: false },
  { margin: 0.35, size: 180, mirror: true },
  { margin: 0.5, size: 240, mirror: false },
];
/** The crop of each person kept for validation. */
const VAL_CROP = 3;

async function faceprint(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...CLI, ...args],
    stdout: "piped",
    stderr: "inherit",
    cwd: WORK,
  }).output();
  if (out.code > 1) throw new Error(`faceprint ${args.join(" ")}: exit ${out.code}`);
  return new TextDecoder().decode(out.stdout);
}

function mirror(image: RgbImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const s = (y * image.width + x) * 3, d = (y * image.width + image.width - 1 - x) * 3;
      data.set(image.data.subarray(s, s + 3), d);
    }
  }
  return { ...image, data };
}

/** people/<sampleN_faceM>/<k>.png for every face of the six samples; returns the names. */
async function writePeople(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (let n = 1; n <= 6; n++) {
    const file = `${SAMPLES}sample${n}.jpg`;
    const faces: { box: Box }[] = JSON.parse(await faceprint(["detect", file])).faces;
    const image = decodeImage(await Deno.readFile(file));
    for (const [m, face] of faces.entries()) {
      const name = `sample${n}_face${m + 1}`;
      names.push(name);
      await Deno.mkdir(`${dir}/people/${name}`, { recursive: true });
      for (const [k, c] of CROPS.entries()) {
        const crop = cropSquare(image, face.box, c.size, c.margin);
        await Deno.writeFile(
          `${dir}/people/${name}/${k}.png`,
          encodePng(c.mirror ? mirror(crop) : crop),
        );
      }
    }
  }
  return names;
}

async function shoot(
  chromium: string,
  html: string,
  png: string,
  size: string,
  width: number,
): Promise<void> {
  const check = await openInChromium(chromium, html, png, size);
  if (check.console.length || check.requests.length || check.externalRefs.length) {
    throw new Error(`${html}: ${JSON.stringify(check)}`);
  }
  await shrinkScreenshot(png, width);
  console.error(`wrote ${png} (${(await Deno.stat(png)).size} bytes)`);
}

if (import.meta.main) {
  const chromium = await findChromium();
  if (!chromium) throw new Error("no chromium (apt-get update && apt-get install -y chromium)");
  const dir = WORK;
  const names = await writePeople(dir);
  const pairs = ["a,b,same"];
  names.forEach((name, i) => {
    for (const [a, b] of [[0, 1], [0, 2], [1, 3], [4, 5]]) {
      pairs.push(`${name}/${a}.png,${name}/${b}.png,1`);
    }
    for (let k = 1; k <= 4; k++) {
      const other = names[(i + k * 3) % names.length];
      pairs.push(`${name}/${k % 4}.png,${other}/${(k + 1) % 4}.png,0`);
    }
  });
  await Deno.writeTextFile(`${dir}/pairs.csv`, pairs.join("\n") + "\n");
  const dlib = ["--embedder", "dlib"];
  await faceprint([
    "evaluate",
    "--pairs",
    "pairs.csv",
    "--root",
    "people",
    ...dlib,
    "--report",
    "pairs.html",
  ]);
  for (const name of names) {
    for (const [k] of CROPS.entries()) {
      const split = k === VAL_CROP ? "val" : "train";
      const enrolled = name.startsWith("sample1") || name.startsWith("sample6");
      if (!enrolled && (split === "train" || !name.startsWith("sample5"))) continue;
      await Deno.mkdir(`${dir}/data/${split}/${name}`, { recursive: true });
      await Deno.copyFile(
        `${dir}/people/${name}/${k}.png`,
        `${dir}/data/${split}/${name}/${k}.png`,
      );
    }
  }
  await faceprint(["evaluate", "data", ...dlib, "--report", "evaluate.html"]);
  await faceprint(["enroll", "data/train", "--gallery", "people.jsonl", ...dlib]);
  await Deno.mkdir(`${dir}/photos`);
  const photos = [1, 6, 5, 3].map((n) => `photos/sample${n}.jpg`);
  for (const p of photos) await Deno.copyFile(`${SAMPLES}${p.slice(7)}`, `${dir}/${p}`);
  await faceprint([
    "identify",
    ...photos,
    "--gallery",
    "people.jsonl",
    "--report",
    "identify.html",
  ]);
  await faceprint(["cluster", "people", ...dlib, "--report", "cluster.html"]);
  await Deno.mkdir(OUT, { recursive: true });
  await shoot(chromium, `${dir}/cluster.html`, `${OUT}cluster.png`, "1100,900", 640);
  await shoot(chromium, `${dir}/pairs.html`, `${OUT}evaluate-pairs.png`, "1100,2000", 800);
  await shoot(chromium, `${dir}/evaluate.html`, `${OUT}evaluate-folders.png`, "1100,1800", 800);
  await shoot(chromium, `${dir}/identify.html`, `${OUT}identify.png`, "1100,1250", 640);
  console.error(`reports kept in ${dir}`);
}
