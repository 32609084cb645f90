/**
 * `deno task bench`: faceprint against the peer (@vladmandic/face-api 1.7.15 on Node, Tiny and
 * SSD detectors) on one fixed image set, in the same run, alternating, with medians and spread.
 *
 * Usage: deno run -A tasks/bench.ts [--quick] [--rounds N] [--jobs N] [--soak N] [--out FILE]
 *
 * Per round it runs, in a rotating order, `faceprint identify --jobs N` (the CLI from source, a
 * model trained on bbt's labelled crops), the same with `--jobs 1` (what the worker pool buys) and
 * the peer's full pipeline with each detector, each a fresh process over the whole image list,
 * measuring wall time, time to first result and peak RSS from outside. Then, once: faceprint's
 * cold start on one photo, an in-process profile of one pipeline (per-stage times, GFLOP/s of the
 * embedder and MTCNN against a large tf.conv2d, batching) and the before/after of each
 * optimisation that can be switched off (tasks/bench/ablations.ts). Accuracy: face counts on groups/NNN_K.jpg, identification of bbt's held-out crops
 * (closed set: the SVM's candidate for faceprint, the nearest class mean of its own descriptors
 * for the peer). Memory: `faceprint embed --jobs N` over the ~1920-px photos repeated (60 by
 * default; `--soak 1000` for the long-run check) with RSS sampled each second.
 *
 * The peer needs Node 20 and `cd tasks/peer && npm ci`. Results: a JSON file (default
 * bench-results.json) and a table on stdout. Not part of the test suite.
 */
import { parseArgs } from "node:util";
import { expectedFaces, imageSet, type Labelled, ROOT } from "./bench/images.ts";
import { measure, type MeasuredRun } from "./bench/process.ts";
import { formatSpread, round, type Spread, spread } from "./bench/stats.ts";
import { BINARY_V8_FLAGS, RUN_FLAGS } from "./permissions.ts";

const MAIN = new URL("src/main.ts", ROOT).pathname;
const PEER = new URL("tasks/peer/", ROOT);
const PEERS = ["tiny", "ssd"] as const;
/** faceprint with `--jobs N`, faceprint with one job (what the worker pool buys), the peer's. */
type Contender = "faceprint" | "faceprint-j1" | typeof PEERS[number];

/** Per-image result of one run: faces found and, per face, the box area and answer. */
interface ImageOutcome {
  faces: number;
  /** The largest face's closed-set name (faceprint) or descriptor (peer). */
  largest?: { name?: string; descriptor?: number[] };
}

/** One contender's run over the image list. */
interface RoundResult {
  contender: Contender;
  wallMs: number;
  firstResultMs: number | null;
  peakRssMiB: number | null;
  images: number;
  faces: number;
  failed: number;
  outcomes: Map<string, ImageOutcome>;
  /** The peer's own report (timings, summary), without its per-image list. */
  report?: Record<string, unknown>;
}

function faceprintArgs(command: string, args: string[]): string[] {
  return ["run", ...RUN_FLAGS, MAIN, command, ...args];
}

function check(run: MeasuredRun, what: string, okCodes = [0, 1]): void {
  if (!okCodes.includes(run.code)) {
    throw new Error(`${what} exited ${run.code}:\n${run.stderr.trim().slice(-2000)}`);
  }
}

/** Trains faceprint's model on the labelled crops: enroll then train, through the CLI. */
async function trainModel(
  train: Labelled[],
  dir: string,
): Promise<{ model: string; gallery: string }> {
  for (const { path, person } of train) {
    await Deno.mkdir(`${dir}/train/${person}`, { recursive: true });
    await Deno.symlink(path, `${dir}/train/${person}/${path.split("/").pop()}`);
  }
  const gallery = `${dir}/gallery.jsonl`, model = `${dir}/model.json`;
  check(
    await measure(Deno.execPath(), faceprintArgs("enroll", [`${dir}/train`, "--gallery", gallery])),
    "enroll",
  );
  check(
    await measure(Deno.execPath(), faceprintArgs("train", ["--gallery", gallery, "--out", model])),
    "train",
    [0],
  );
  return { model, gallery };
}

async function runFaceprint(
  list: string[],
  trained: { model: string; gallery: string },
  jobs: number,
  contender: "faceprint" | "faceprint-j1",
): Promise<RoundResult> {
  const run = await measure(
    Deno.execPath(),
    faceprintArgs("identify", [
      "--jobs",
      String(jobs),
      "--model",
      trained.model,
      "--gallery",
      trained.gallery,
      ...list,
    ]),
  );
  check(run, `faceprint identify --jobs ${jobs}`);
  const outcomes = new Map<string, ImageOutcome>();
  let faces = 0, failed = 0;
  for (const line of run.stdout.split("\n").filter((l) => l.trim())) {
    const r = JSON.parse(line) as {
      file: string;
      error?: string;
      faces?: { box: { width: number; height: number }; candidate: string }[];
    };
    if (r.error || !r.faces) {
      failed++;
      continue;
    }
    faces += r.faces.length;
    const largest = r.faces.reduce<(typeof r.faces)[number] | undefined>(
      (best, f) =>
        !best || f.box.width * f.box.height > best.box.width * best.box.height ? f : best,
      undefined,
    );
    outcomes.set(r.file, {
      faces: r.faces.length,
      largest: largest && { name: largest.candidate },
    });
  }
  return {
    contender,
    wallMs: run.wallMs,
    firstResultMs: run.lineMs[0] ?? null,
    peakRssMiB: run.peakRssMiB,
    images: list.length,
    faces,
    failed,
    outcomes,
  };
}

async function runPeer(
  detector: "tiny" | "ssd",
  listFile: string,
  out: string,
): Promise<RoundResult> {
  const run = await measure("node", [
    new URL("run.mjs", PEER).pathname,
    "--detector",
    detector,
    "--images",
    listFile,
    "--warmup",
    "0",
    "--descriptors",
    "--out",
    out,
  ]);
  check(run, `peer (${detector})`, [0]);
  const report = JSON.parse(await Deno.readTextFile(out));
  const outcomes = new Map<string, ImageOutcome>();
  for (
    const image of report.images as {
      path: string;
      error?: string;
      faces?: number;
      boxes?: { width: number; height: number }[];
      descriptors?: number[][];
    }[]
  ) {
    if (image.error) continue;
    const boxes = image.boxes ?? [];
    let best = -1;
    boxes.forEach((b, i) => {
      if (best < 0 || b.width * b.height > boxes[best].width * boxes[best].height) best = i;
    });
    outcomes.set(image.path, {
      faces: image.faces ?? 0,
      largest: best >= 0 ? { descriptor: image.descriptors?.[best] } : undefined,
    });
  }
  const { images: _, ...rest } = report;
  return {
    contender: detector,
    wallMs: run.wallMs,
    firstResultMs: report.timings.coldStartMs,
    peakRssMiB: report.peakRssMB ?? run.peakRssMiB,
    images: report.summary.images,
    faces: report.summary.faces,
    failed: report.summary.failed,
    outcomes,
    report: rest,
  };
}

/** Face-count accuracy on images whose name gives the count. */
function faceCounts(run: RoundResult, images: string[]) {
  let scored = 0, exact = 0, absError = 0;
  for (const path of images) {
    const expected = expectedFaces(path);
    if (expected === null) continue;
    const found = run.outcomes.get(path)?.faces ?? 0;
    scored++;
    if (found === expected) exact++;
    absError += Math.abs(found - expected);
  }
  return { images: scored, exact, absError };
}

/** Closed-set identification of the held-out crops. */
function identification(run: RoundResult, train: Labelled[], val: Labelled[]) {
  let correct = 0, noFace = 0;
  if (run.contender !== "tiny" && run.contender !== "ssd") {
    for (const { path, person } of val) {
      const name = run.outcomes.get(path)?.largest?.name;
      if (name === undefined) noFace++;
      else if (name === person) correct++;
    }
    return { val: val.length, correct, noFace };
  }
  // The peer: nearest class mean of its own descriptors (face-api's FaceMatcher, no threshold).
  const sums = new Map<string, { sum: number[]; n: number }>();
  for (const { path, person } of train) {
    const d = run.outcomes.get(path)?.largest?.descriptor;
    if (!d) continue;
    const entry = sums.get(person) ?? { sum: new Array(d.length).fill(0), n: 0 };
    d.forEach((v, i) => (entry.sum[i] += v));
    entry.n++;
    sums.set(person, entry);
  }
  for (const { path, person } of val) {
    const d = run.outcomes.get(path)?.largest?.descriptor;
    if (!d) {
      noFace++;
      continue;
    }
    let bestName = "", bestDistance = Infinity;
    for (const [name, { sum, n }] of sums) {
      const distance = Math.hypot(...d.map((v, i) => v - sum[i] / n));
      if (distance < bestDistance) [bestName, bestDistance] = [name, distance];
    }
    if (bestName === person) correct++;
  }
  return { val: val.length, correct, noFace };
}

/** `faceprint embed --jobs N` over `count` photos (cycling `photos`), RSS sampled each second. */
async function memoryRun(photos: string[], count: number, jobs: number, dir: string) {
  if (photos.length === 0) throw new Error("no ~1920-px photos for the memory run");
  await Deno.mkdir(dir);
  for (let n = 0; n < count; n++) {
    await Deno.symlink(photos[n % photos.length], `${dir}/${String(n).padStart(5, "0")}.jpg`);
  }
  const run = await measure(Deno.execPath(), faceprintArgs("embed", ["--jobs", String(jobs), dir]));
  check(run, "memory run", [0]);
  // The first tenth of the run is start-up; flat means the second tenth's peak holds to the end.
  const series = run.rssSeries.map(([, mib]) => mib);
  const tenth = Math.max(1, Math.floor(series.length / 10));
  return {
    images: count,
    jobs,
    wallSec: round(run.wallMs / 1000, 1),
    peakRssMiB: run.peakRssMiB && round(run.peakRssMiB, 1),
    peakRssPerWorkerMiB: run.peakRssMiB && round(run.peakRssMiB / jobs, 1),
    rssSecondTenthMaxMiB: Math.max(...series.slice(tenth, 2 * tenth)),
    rssLastTenthMaxMiB: Math.max(...series.slice(-tenth)),
    rssSeries: run.rssSeries,
  };
}

interface Summary {
  imagesPerSec: Spread;
  facesPerSec: Spread;
  wallSec: Spread;
  firstResultMs: Spread;
  peakRssMiB: Spread;
  faces: number;
  failed: number;
}

function summarise(runs: RoundResult[]): Summary {
  return {
    imagesPerSec: spread(runs.map((r) => r.images / (r.wallMs / 1000))),
    facesPerSec: spread(runs.map((r) => r.faces / (r.wallMs / 1000))),
    wallSec: spread(runs.map((r) => r.wallMs / 1000)),
    firstResultMs: spread(runs.map((r) => r.firstResultMs ?? NaN)),
    peakRssMiB: spread(runs.map((r) => r.peakRssMiB ?? NaN)),
    faces: runs[0].faces,
    failed: runs[0].failed,
  };
}

const USAGE =
  "Usage: deno run -A tasks/bench.ts [--quick] [--rounds N] [--jobs N] [--soak N] [--out FILE]";

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string" },
      jobs: { type: "string", default: "2" },
      soak: { type: "string" },
      out: { type: "string", default: "bench-results.json" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const rounds = Number(values.rounds ?? (values.quick ? 2 : 3));
  const jobs = Number(values.jobs);
  const soak = Number(values.soak ?? (values.quick ? 24 : 60));
  if (![rounds, jobs, soak].every((n) => Number.isInteger(n) && n >= 1)) {
    console.error(USAGE);
    return 2;
  }
  try {
    await Deno.stat(new URL("node_modules/@vladmandic/face-api/package.json", PEER));
  } catch {
    console.error("bench: the peer is not installed: run `cd tasks/peer && npm ci` (Node 20)");
    return 1;
  }
  const started = performance.now();
  const log = (message: string) =>
    console.error(
      `[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`,
    );
  const set = await imageSet(values.quick);
  const tmp = await Deno.makeTempDir({ prefix: "faceprint-bench-" });
  try {
    const listFile = `${tmp}/images.txt`;
    await Deno.writeTextFile(listFile, set.images.join("\n") + "\n");
    log(`${set.images.length} images (${set.sets.join(", ")}); ${rounds} rounds, --jobs ${jobs}`);
    const trained = await trainModel(set.train, tmp);

    const runs: RoundResult[] = [];
    const order: Contender[] = [
      "faceprint",
      ...PEERS,
      ...(jobs > 1 ? ["faceprint-j1" as const] : []),
    ];
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < order.length; k++) {
        const contender = order[(k + round) % order.length];
        const run = contender === "faceprint" || contender === "faceprint-j1"
          ? await runFaceprint(set.images, trained, contender === "faceprint" ? jobs : 1, contender)
          : await runPeer(contender, listFile, `${tmp}/peer-${contender}-${round}.json`);
        runs.push(run);
        log(`round ${round + 1}: ${contender} ${(run.wallMs / 1000).toFixed(1)} s`);
      }
    }

    // Cold start: one 1920-px photo, from source, after one unmeasured run (module cache).
    const photo = set.images[0];
    const cold: MeasuredRun[] = [];
    for (let i = 0; i <= Math.max(3, rounds); i++) {
      const run = await measure(
        Deno.execPath(),
        faceprintArgs("identify", ["--model", trained.model, "--gallery", trained.gallery, photo]),
      );
      check(run, "cold start", [0]);
      if (i > 0) cold.push(run);
    }
    log("cold start done");

    const profileOut = `${tmp}/profile.json`;
    const profileRun = await measure(Deno.execPath(), [
      "run",
      BINARY_V8_FLAGS,
      "--allow-read",
      "--allow-write",
      new URL("tasks/bench/profile.ts", ROOT).pathname,
      "--images",
      listFile,
      "--model",
      trained.model,
      "--out",
      profileOut,
    ]);
    check(profileRun, "profile", [0]);
    const profile = JSON.parse(await Deno.readTextFile(profileOut));
    profile.memory.peakRssMiB = profileRun.peakRssMiB;
    log("profile done");

    const large = (profile.images as { path: string; width?: number; height?: number }[])
      .filter((i) => i.width && i.height && Math.max(i.width, i.height) >= 1800)
      .filter((i) => Math.max(i.width!, i.height!) <= 2000)
      .map((i) => i.path);
    const ablationList = `${tmp}/ablation-images.txt`;
    await Deno.writeTextFile(ablationList, large.slice(0, 6).join("\n") + "\n");
    const ablationOut = `${tmp}/ablations.json`;
    check(
      await measure(Deno.execPath(), [
        "run",
        BINARY_V8_FLAGS,
        "-A",
        new URL("tasks/bench/ablations.ts", ROOT).pathname,
        "--images",
        ablationList,
        "--out",
        ablationOut,
        "--reps",
        String(values.quick ? 3 : 5),
      ]),
      "ablations",
      [0],
    );
    const ablations = JSON.parse(await Deno.readTextFile(ablationOut));
    log("ablations done");
    const searchOut = `${tmp}/gallery-search.json`;
    check(
      await measure(Deno.execPath(), [
        "run",
        "-A",
        new URL("tasks/bench/gallery_search.ts", ROOT).pathname,
        "--out",
        searchOut,
      ]),
      "gallery search",
      [0],
    );
    const gallerySearch = JSON.parse(await Deno.readTextFile(searchOut));
    log("gallery search done");
    const memory = await memoryRun(large, soak, jobs, `${tmp}/soak`);
    log("memory run done");

    const by = (c: Contender) => runs.filter((r) => r.contender === c);
    const summaries = Object.fromEntries(order.map((c) => [c, summarise(by(c))])) as Record<
      Contender,
      Summary
    >;
    const ratio = (c: "tiny" | "ssd") =>
      round(summaries.faceprint.imagesPerSec.median / summaries[c].imagesPerSec.median, 2);
    const accuracy = Object.fromEntries(order.map((c) => [c, {
      faceCounts: faceCounts(by(c)[0], set.images),
      identification: set.val.length ? identification(by(c)[0], set.train, set.val) : null,
    }]));
    if (summaries["faceprint-j1"]) {
      const one = summaries["faceprint-j1"].imagesPerSec.median;
      const many = summaries.faceprint.imagesPerSec.median;
      ablations.rows.unshift({
        name: `worker pool, --jobs 1 -> ${jobs}`,
        unit: "images/s",
        before: round(one),
        after: round(many),
        gain: round(many / one),
        detail: `whole image list, ${rounds} rounds`,
      });
    }
    const coldStart = {
      image: photo,
      firstResultMs: spread(cold.map((r) => r.lineMs[0] ?? NaN)),
      exitMs: spread(cold.map((r) => r.wallMs)),
      peakRssMiB: spread(cold.map((r) => r.peakRssMiB ?? NaN)),
      peer: Object.fromEntries(
        PEERS.map((p) => [p, spread(by(p).map((r) => r.firstResultMs ?? NaN))]),
      ),
    };
    const results = {
      date: new Date().toISOString(),
      machine: {
        cores: navigator.hardwareConcurrency,
        deno: Deno.version.deno,
        os: Deno.build.target,
      },
      images: set.images.length,
      sets: set.sets,
      rounds,
      jobs,
      summaries,
      ratios: { imagesPerSecVsTiny: ratio("tiny"), imagesPerSecVsSsd: ratio("ssd") },
      accuracy,
      coldStart,
      profile,
      ablations,
      gallerySearch,
      memory,
      peer: Object.fromEntries(PEERS.map((p) => [p, by(p)[0].report])),
      totalSec: round((performance.now() - started) / 1000, 1),
    };
    await Deno.writeTextFile(values.out, JSON.stringify(results, null, 1) + "\n");
    console.log(table(results));
    console.log(`\nfull results: ${values.out}`);
    return 0;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

// deno-lint-ignore no-explicit-any
function table(r: any): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  const cols: Contender[] = ["faceprint", "tiny", "ssd"];
  const head = ["", `faceprint -j${r.jobs}`, "peer tiny", "peer ssd"];
  const row = (label: string, cells: string[]) =>
    pad(label, 24) + cells.map((c) => pad(c, 22)).join("");
  const s = (key: keyof Summary, d: number) =>
    cols.map((c) => formatSpread(r.summaries[c][key], d));
  const counts = cols.map((c) => {
    const f = r.accuracy[c].faceCounts;
    return f.images ? `${f.exact}/${f.images} exact (|err| ${f.absError})` : "n/a";
  });
  const ids = cols.map((c) => {
    const i = r.accuracy[c].identification;
    return i ? `${i.correct}/${i.val} (${i.noFace} no face)` : "n/a";
  });
  const p = r.profile;
  const e = p.efficiency;
  const lines = [
    `faceprint bench: ${r.images} images (${r.sets.join(", ")}), ${r.rounds} rounds, ` +
    `medians (min–max)`,
    row(head[0], head.slice(1)),
    row("images/s (wall)", s("imagesPerSec", 2)),
    row("faces/s (wall)", s("facesPerSec", 2)),
    row("wall s", s("wallSec", 1)),
    row("first result ms", s("firstResultMs", 0)),
    row("peak RSS MiB", s("peakRssMiB", 0)),
    row("faces found", cols.map((c) => String(r.summaries[c].faces))),
    row("groups face counts", counts),
    row("bbt val identified", ids),
    `ratio faceprint/peer images/s: ${r.ratios.imagesPerSecVsTiny}x Tiny, ` +
    `${r.ratios.imagesPerSecVsSsd}x SSD`,
    `cold start (1 photo, from source): first result ${
      formatSpread(r.coldStart.firstResultMs, 0)
    } ms, ` +
    `peak RSS ${formatSpread(r.coldStart.peakRssMiB, 0)} MiB`,
    `one pipeline, per image (median ms): decode ${p.summary.medianMs.decode}, detect ` +
    `${p.summary.medianMs.detect}, align ${p.summary.medianMs.align}, embed ` +
    `${p.summary.medianMs.embed}; per face: embed ${p.summary.perFaceMs.embed}, SVM ` +
    `${p.summary.perFaceMs.svm}; peak RSS ${Math.round(p.memory.peakRssMiB)} MiB`,
    `GFLOP/s: conv2d peak ${e.peakConvGflops}; ` +
    Object.entries(
      e.embedderParts as Record<
        string,
        { batch1: number; batch16: number; share: number; msPerFace: number }
      >,
    ).map(([name, part]) =>
      `${name} ${part.batch1} (batch 1), ${part.batch16} (batch 16) = ${
        Math.round(part.share * 100)
      }% of peak, ${part.msPerFace} ms/face; `
    ).join("") +
    `MTCNN ${e.mtcnn.gflops.all} = ${Math.round(e.mtcnn.shareOfPeak * 100)}% ` +
    `(P ${e.mtcnn.gflops.pnet}, R ${e.mtcnn.gflops.rnet}, O ${e.mtcnn.gflops.onet})`,
  ];
  lines.push(
    `what each optimisation buys (medians, ${r.ablations.photos} photos, before -> after):`,
  );
  for (const a of r.ablations.rows) {
    lines.push(
      `  ${pad(a.name, 30)}${a.before} -> ${a.after} ${a.unit} (${a.gain}x)` +
        (a.detail ? `; ${a.detail}` : ""),
    );
  }
  lines.push(
    `memory: embed -j${r.memory.jobs} over ${r.memory.images} ~1920-px photos: peak RSS ` +
      `${r.memory.peakRssMiB} MiB (${r.memory.peakRssPerWorkerMiB} per worker, main thread included); ` +
      `RSS max in the second tenth of the run ${r.memory.rssSecondTenthMaxMiB}, last tenth ` +
      `${r.memory.rssLastTenthMaxMiB}`,
  );
  lines.push(
    "gallery search (identify --method nearest, fused 320-d, one core), ms per probe face: " +
      r.gallerySearch.rows.map((g: Record<string, number>) =>
        `${g.galleryFaces} faces ${g.indexMsPerProbe} (JS loop ${g.loopMsPerProbe}, ${g.speedup}x)`
      ).join("; "),
  );
  lines.push(`total ${r.totalSec} s`);
  return lines.join("\n");
}

if (import.meta.main) Deno.exit(await main(Deno.args));
