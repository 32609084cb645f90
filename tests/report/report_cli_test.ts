/**
 * `--report FILE.html` on evaluate --pairs, evaluate DATASET_DIR and identify, run as a user runs
 * them (subprocesses with the binary's permissions, dlib embedder for speed) on faces cut from the
 * npm sample photos: every number in the page equals the same run's --json output, and headless
 * Chromium (when installed; skipped with the reason otherwise) renders each page with no console
 * message, no network request and no reference outside the page.
 */
import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/decode.ts";
import { findChromium, openInChromium } from "../../tasks/chromium.ts";
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { writeTwoPeople } from "../../tasks/smoke.ts";
import { jsonLines, MAIN, runCli, SAMPLES } from "../cli/run_cli.ts";

const SOURCE = [Deno.execPath(), "run", ...RUN_FLAGS, MAIN];
const DLIB = ["--embedder", "dlib"];

const chromium = await findChromium();
if (!chromium) {
  console.log(
    "skipping the Chromium half of the report tests: no chromium on PATH " +
      "(apt-get update && apt-get install -y chromium; .ci/run does it)",
  );
}

/** people/alice and people/bea, 5 crops each, made once for the file. */
const work = (async () => {
  const dir = await Deno.makeTempDir({ prefix: "faceprint-report-" });
  const crops: [number, number][] = [[0.3, 200], [0.5, 260], [0.8, 320], [0.4, 150], [0.6, 400]];
  await writeTwoPeople(SOURCE, `${dir}/people`, crops);
  return dir;
})();

/** Every tagged number in the page: key → [exact value, shown text]. */
function pageNumbers(html: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const m of html.matchAll(/<span data-key="([^"]+)" data-value="([^"]*)">([^<]*)<\/span>/g)) {
    out.set(m[1], [m[2], m[3]]);
  }
  return out;
}

/** `path` ("foldResults.0.accuracy", "failedPairs.length") looked up in `json`. */
function lookup(json: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>(
    (v, k) => (v as Record<string, unknown> | undefined)?.[k],
    json,
  );
}

/** Each tagged number equals the JSON's; every top-level number of the JSON is in the page. */
function assertNumbersMatch(
  html: string,
  json: Record<string, unknown>,
): Map<string, [string, string]> {
  const numbers = pageNumbers(html);
  assert.ok(numbers.size > 5, "the page tags its numbers");
  for (const [key, [value]] of numbers) {
    assert.equal(value, String(lookup(json, key)), `${key} in the page vs --json`);
  }
  for (const [key, v] of Object.entries(json)) {
    if (typeof v === "number" || v === null) {
      assert.ok(numbers.has(key), `${key} missing in the page`);
    }
  }
  return numbers;
}

/** Opens the page in Chromium: renders, asks nothing of the network or other files. */
async function assertRendersOffline(file: string, size = "1100,1400"): Promise<void> {
  if (!chromium) return;
  const shot = file.replace(/\.html$/, ".png");
  const check = await openInChromium(chromium, file, shot, size);
  assert.deepEqual(check.console, [], `${file}: console messages`);
  assert.deepEqual(check.requests, [], `${file}: network requests`);
  assert.deepEqual(check.externalRefs, [], `${file}: references outside the page`);
  assert.match(check.dom, /<svg/);
  const png = decodeImage(await Deno.readFile(shot));
  assert.deepEqual([png.width, png.height], size.split(",").map(Number));
  // Not a blank page: many distinct colours (text, plots, thumbnails).
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 3 * 7) {
    colours.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
  }
  assert.ok(colours.size > 50, `${shot}: only ${colours.size} colours`);
}

Deno.test("the Chromium check catches a page that reaches out (so its silence means something)", async () => {
  if (!chromium) return;
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/bad.html`,
    `<!DOCTYPE html><p>x</p><img src="http://example.invalid/a.png"><img src="b.png">`,
  );
  const check = await openInChromium(chromium, `${dir}/bad.html`, `${dir}/bad.png`, "400,300");
  assert.deepEqual(check.requests, ["http://example.invalid/a.png"]);
  assert.deepEqual(check.externalRefs, ["http://example.invalid/a.png", "b.png"]);
});

Deno.test("evaluate --pairs --report: the page's numbers are the --json numbers, failed pairs shown", async () => {
  const dir = await work;
  const pairs = [
    "a,b,same",
    "alice/alice0.png,alice/alice1.png,1",
    "alice/alice2.png,alice/alice3.png,1",
    "bea/bea0.png,bea/bea1.png,1",
    "bea/bea2.png,bea/bea4.png,1",
    "alice/alice0.png,bea/bea0.png,0",
    "alice/alice1.png,bea/bea2.png,0",
    "alice/alice4.png,bea/bea3.png,0",
  ];
  await Deno.writeTextFile(`${dir}/pairs.csv`, pairs.join("\n") + "\n");
  const report = `${dir}/pairs.html`;
  // A threshold far below any same-person distance: the four same pairs fail.
  const run = await runCli([
    "evaluate",
    "--pairs",
    `${dir}/pairs.csv`,
    "--root",
    `${dir}/people`,
    ...DLIB,
    "--threshold",
    "0.01",
    "--json",
    "--report",
    report,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const json = JSON.parse(run.stdout);
  const html = await Deno.readTextFile(report);
  const numbers = assertNumbersMatch(html, json);
  assert.equal(json.failedPairs.length, 4);
  assert.equal(numbers.get("failedPairs.length")![0], "4");
  assert.equal(numbers.get("rocAuc")![1], json.rocAuc.toFixed(4));
  assert.equal(
    numbers.get("accuracyAtThreshold")![1],
    `${(json.accuracyAtThreshold * 100).toFixed(3)}%`,
  );
  assert.equal(json.foldResults.length, json.folds);
  assert.ok(numbers.has(`foldResults.${json.folds - 1}.accuracy`));
  // Each failed pair: two face thumbnails, its distance, the truth and both file names.
  const cards = html.split('<div class="card">').slice(1);
  assert.equal(cards.length, 4);
  for (const [i, f] of json.failedPairs.entries()) {
    assert.equal((cards[i].match(/<img src="data:image\/jpeg;base64,/g) ?? []).length, 2);
    assert.ok(cards[i].includes(f.distance.toFixed(4)));
    assert.ok(cards[i].includes("same person, called different"));
    assert.ok(cards[i].includes(f.a) && cards[i].includes(f.b));
  }
  assert.match(html, /TAR@FAR=1e-3/);
  assert.match(html, /data-threshold="0\.01"/);
  await assertRendersOffline(report);
});

Deno.test("evaluate DATASET_DIR --report: accuracy line, matrix, per-person rows and the stranger's face", async () => {
  const dir = await work;
  const data = `${dir}/data`;
  for (const person of ["alice", "bea"]) {
    await Deno.mkdir(`${data}/train/${person}`, { recursive: true });
    await Deno.mkdir(`${data}/val/${person}`, { recursive: true });
    for (let i = 0; i < 5; i++) {
      const split = i < 3 ? "train" : "val";
      await Deno.copyFile(
        `${dir}/people/${person}/${person}${i}.png`,
        `${data}/${split}/${person}/${i}.png`,
      );
    }
  }
  // A stranger: the woman of sample2 is neither alice nor bea.
  await Deno.mkdir(`${data}/val/carol`, { recursive: true });
  await Deno.copyFile(`${SAMPLES}sample2.jpg`, `${data}/val/carol/sample2.jpg`);
  const report = `${dir}/folders.html`;
  const run = await runCli(["evaluate", data, ...DLIB, "--json", "--report", report]);
  assert.equal(run.code, 0, run.stderr);
  const json = JSON.parse(run.stdout);
  const html = await Deno.readTextFile(report);
  const numbers = assertNumbersMatch(html, json);
  assert.equal(numbers.get("testAccuracy")![1], (json.testAccuracy * 100).toFixed(3));
  assert.match(
    html,
    /Accuracy: train=<span[^>]*>100\.000<\/span>, test=<span[^>]*>100\.000<\/span>/,
  );
  for (const [i] of json.rows.entries()) assert.ok(numbers.has(`rows.${i}.openSetCorrect`));
  // The heat map has one cell per matrix entry with the same counts.
  const cells = [...html.matchAll(/data-row="([^"]+)" data-col="([^"]+)" data-count="(\d+)"/g)];
  assert.deepEqual(cells.map((c) => Number(c[3])), json.matrix.flat());
  // carol came out unknown (right for a stranger) and is shown with her thumbnail.
  assert.equal(json.rows.find((r: { person: string }) => r.person === "carol").unknown, 1);
  const carol = html.split('<div class="card">').slice(1).find((c) => c.includes("sample2.jpg"))!;
  assert.ok(carol, "carol's card");
  assert.match(carol, /<img src="data:image\/jpeg;base64,/);
  assert.match(carol, /carol → <span class="">unknown \(right\)/);
  await assertRendersOffline(report);
});

Deno.test("identify --report: pictures with boxes and names, who appears where, unknown faces, errors", async () => {
  const dir = await work;
  const gallery = `${dir}/g.jsonl`;
  const enroll = await runCli(["enroll", `${dir}/people`, "--gallery", gallery, ...DLIB]);
  assert.equal(enroll.code, 0, enroll.stderr);
  await Deno.writeTextFile(`${dir}/broken.jpg`, "not an image");
  const report = `${dir}/identify.html`;
  const run = await runCli([
    "identify",
    `${SAMPLES}sample1.jpg`,
    `${SAMPLES}sample6.jpg`,
    `${SAMPLES}sample3.jpg`,
    `${dir}/broken.jpg`,
    "--gallery",
    gallery,
    "--report",
    report,
  ]);
  assert.equal(run.code, 1, run.stderr); // broken.jpg
  const records = jsonLines<{ file: string; error?: string; faces?: { name: string }[] }>(
    run.stdout,
  );
  const faces = records.flatMap((r) => r.faces ?? []);
  const names = faces.map((f) => f.name);
  const person: Record<string, number> = {};
  for (const n of names.filter((n) => n !== "unknown")) person[n] = (person[n] ?? 0) + 1;
  const derived = {
    images: records.length,
    errors: records.filter((r) => r.error).length,
    faces: faces.length,
    named: names.filter((n) => n !== "unknown").length,
    unknown: names.filter((n) => n === "unknown").length,
    person,
  };
  assert.ok(person.alice >= 1 && person.bea >= 1, JSON.stringify(derived));
  assert.ok(derived.unknown >= 1, "the other women in the photos are strangers");
  const html = await Deno.readTextFile(report);
  const numbers = assertNumbersMatch(html, derived);
  assert.ok(numbers.has("person.alice") && numbers.has("person.bea"));
  // One picture per readable image, one labelled box per face.
  assert.equal((html.match(/<image href="data:image\/jpeg;base64,/g) ?? []).length, 3);
  assert.deepEqual([...html.matchAll(/<g data-name="([^"]+)">/g)].map((m) => m[1]), names);
  // Each unknown face has a card with its thumbnail; broken.jpg is listed with its error.
  const unknownCards = html.split('<div class="card">').slice(1);
  assert.equal(unknownCards.length, derived.unknown);
  assert.ok(html.includes(records.find((r) => r.error)!.error!));
  await assertRendersOffline(report, "1100,2200");
});
