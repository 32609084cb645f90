/**
 * `faceprint evaluate`: the tutorial's experiment on train/val folders (enrol, train, classify,
 * report), or verification on a pairs list (k-fold accuracy, ROC AUC, EER, TAR@FAR).
 */
import { parseFlags } from "./args.ts";
import { predictSvm, trainSvm } from "../classify/mod.ts";
import {
  classificationReport,
  formatReport,
  type ValOutcome,
} from "../evaluate/classification_report.ts";
import { type ImagePair, parsePairs } from "../evaluate/pairs.ts";
import {
  accuracyAt,
  bestThreshold,
  equalErrorRate,
  kFoldAccuracy,
  rocAuc,
  type ScoredPair,
  tarAtFar,
} from "../evaluate/verification_metrics.ts";
import { DEFAULT_SVM_C } from "../identify/defaults.ts";
import { buildGalleryIndex } from "../identify/gallery_index.ts";
import { faceDistance, partSizesOf } from "../identify/metric.ts";
import {
  type Identification,
  type IdentifyMethod,
  identifyNearest,
  identifySvm,
  UNKNOWN,
} from "../identify/open_set.ts";
import {
  bestCut,
  openSetCurve,
  openSetPoint,
  type ScoredProbe,
} from "../evaluate/open_set_curve.ts";
import { type Pick, type PickedFace, pickedFace } from "../pipeline/analyze.ts";
import {
  type Analyzer,
  createAnalyzer,
  mapOrdered,
  type Outcome,
} from "../pipeline/worker_pool.ts";
import { EXIT, UsageError } from "./errors.ts";
import {
  FACE_FLAGS,
  FACE_FLAGS_HELP,
  type FaceOptions,
  imageOptions,
  OPEN_SET_FLAGS,
  OPEN_SET_FLAGS_HELP,
  openSetRuleFor,
  parseFaceOptions,
  parseMethod,
  parsePick,
  thresholdFor,
} from "./face_options.ts";
import { expandInputs, readInput } from "./inputs.ts";
import { MAX_THUMBNAIL_PAIRS, pairsReportHtml, thumbnailPairs } from "../report/pairs_report.ts";
import { checkReportPath, writeReport } from "../report/report_file.ts";
import {
  foldersReportHtml,
  MAX_THUMBNAIL_FACES,
  thumbnailFaces,
  type ValFaceView,
} from "../report/folders_report.ts";
import type { Box } from "../types.ts";
import { info, milestone, progress, warn } from "./log.ts";
import { createWriter, type Format, FORMATS, out } from "./output.ts";

/** Help for `faceprint evaluate`. */
export const EVALUATE_HELP = `Usage: faceprint evaluate DATASET_DIR [--json] [options]
       faceprint evaluate --pairs PAIRS --root DIR [--json] [options]

With DATASET_DIR holding train/<person>/ and val/<person>/ (one folder per person): embeds the
largest face of every image, trains the SVM on train, classifies val and prints
  Accuracy: train=100.000, test=100.000
(closed-set, as the classic tutorial), then the open-set result with the train faces as the
gallery (faces answered "unknown", and why; enrolled faces named right and strangers taken for
someone at the cut, and the best cut in hindsight; --json adds the whole curve), a per-person
table and a confusion matrix. People only in val/ are strangers: right only when answered
unknown.

With --pairs: verification on a pairs list, LFW pairs.txt (folds<TAB>n header; "name i j" and
"name1 i name2 j" lines; images DIR/name/name_0001.jpg) or CSV (a,b,same with same = yes/no,
1/0, true/false; paths relative to DIR, or their base name in DIR). Prints k-fold accuracy (each
fold's threshold chosen on the others), accuracy at the default threshold, the best threshold,
ROC AUC, equal error rate, and TAR at FAR 1e-3 and 1e-2. A pair whose image has no face counts
as "different". Use it to calibrate 'verify --threshold' on your own photos.

Options:
  -f, --format F        text (default: the report), json or jsonl (the numbers as one JSON
                        object; with --pairs also the failed pairs), csv (one row per val face:
                        file,person,predicted,answer,reason; with --pairs one per pair:
                        a,b,same,distance,fold,predictedSame; the summary goes to stderr)
  --json                the same as --format json
  --report FILE.html    also write a self-contained HTML report (plots, tables, face thumbnails)
  --pairs PAIRS         the pairs list
  --root DIR            folder the pairs' image paths are relative to
  --pick P              which face per image: largest (default for folders), center (default for
                        --pairs: pre-cropped portraits), score
  --threshold T         verification threshold to report accuracy at (default: the embedder's
                        calibrated one; none for a model file)
${OPEN_SET_FLAGS_HELP}
${FACE_FLAGS_HELP}

Exit codes: 0 done, 1 done but some images could not be read or had no face, 2 usage error.

Examples:
  faceprint evaluate data/            # data/train/<person>/, data/val/<person>/
  faceprint evaluate --pairs lfw/pairs.txt --root lfw/images --json --report lfw.html`;

/** evaluate's outputs: the text report (default), or records in one of the usual formats. */
type ReportFormat = "text" | Format;

/** `--format` (or the older `--json`) → the report format. */
function reportFormat(text: string | undefined, json: boolean): ReportFormat {
  if (json && text !== undefined && text !== "json") {
    throw new UsageError(`--json and --format ${text} conflict`);
  }
  if (text === undefined) return json ? "json" : "text";
  if (text !== "text" && !(FORMATS as readonly string[]).includes(text)) {
    throw new UsageError(`--format expects one of text, ${FORMATS.join(", ")}, got "${text}"`);
  }
  return text as ReportFormat;
}

/** Each file's picked face (or failure), several images at once, in file order. */
type EmbedStream = AsyncGenerator<Outcome<string, PickedFace | null>>;

function embedStream(
  files: string[],
  analyzer: Analyzer,
  options: FaceOptions,
  pick: Pick,
): EmbedStream {
  return mapOrdered(files, 2 * analyzer.jobs, async (file) =>
    pickedFace(
      await analyzer.analyze(await readInput({ kind: "file", path: file }), {
        ...imageOptions(options, pick),
        keepChips: false,
      }),
    ));
}

/**
 * Takes the next `files.length` results from `stream` (which must be embedding these files
 * next): one face per file; failures are warned about and counted, not fatal.
 */
async function embedFiles(
  stream: EmbedStream,
  files: string[],
): Promise<
  { embeddings: Map<string, Float32Array>; boxes: Map<string, Box>; failures: Map<string, string> }
> {
  const embeddings = new Map<string, Float32Array>();
  const boxes = new Map<string, Box>();
  const failures = new Map<string, string>();
  for (const [n, file] of files.entries()) {
    progress(n, files.length, file);
    const outcome = (await stream.next()).value as Outcome<string, PickedFace | null>;
    if (!outcome.ok) failures.set(file, outcome.error.message);
    else if (outcome.value) {
      embeddings.set(file, outcome.value.face.embedding);
      boxes.set(file, outcome.value.face.box);
    } else failures.set(file, "no face found");
    const failure = failures.get(file);
    if (failure) warn(`${file}: ${failure}`);
  }
  progress(files.length, files.length, "");
  return { embeddings, boxes, failures };
}

async function personFolders(dir: string): Promise<Map<string, string[]>> {
  const people = new Map<string, string[]>();
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    throw new UsageError(`${dir}: cannot list: ${(e as Error).message}`);
  }
  for (const name of entries.filter((e) => e.isDirectory).map((e) => e.name).sort()) {
    const files = [];
    for await (const input of expandInputs([`${dir}/${name}`])) {
      if (input.kind === "file") files.push(input.path);
    }
    people.set(name, files);
  }
  return people;
}

const pct = (v: number): string => (v * 100).toFixed(3);

async function evaluateFolders(
  root: string,
  options: FaceOptions,
  pick: Pick,
  values: Record<string, string | boolean | undefined>,
  format: ReportFormat,
  report: { file: string; command: string } | undefined,
): Promise<number> {
  const train = await personFolders(`${root}/train`);
  const val = await personFolders(`${root}/val`);
  if (train.size < 2) throw new UsageError(`${root}/train: need at least 2 person folders`);
  const files = [...train.values(), ...val.values()].flat();
  const analyzer = await createAnalyzer(
    { detector: options.detector, embed: true, embedder: options.embedder },
    Math.min(options.jobs, files.length),
  );
  try {
    const stream = embedStream(files, analyzer, options, pick);
    const openSet = { values, embedder: analyzer.embedder!.name, flip: options.flip };
    return await classifyFolders(
      stream,
      train,
      val,
      openSet,
      parseMethod(values.method as string | undefined),
      format,
      report,
    );
  } finally {
    analyzer.close();
  }
}

/** Trains on the train folders' embeddings, identifies val's and prints the report. */
async function classifyFolders(
  stream: EmbedStream,
  train: Map<string, string[]>,
  val: Map<string, string[]>,
  openSet: {
    values: Record<string, string | boolean | undefined>;
    embedder: string;
    flip: boolean;
  },
  method: IdentifyMethod,
  format: ReportFormat,
  page: { file: string; command: string } | undefined,
): Promise<number> {
  const vectors: Float32Array[] = [], labels: string[] = [];
  let failed = 0;
  for (const [person, files] of train) {
    const { embeddings, failures } = await embedFiles(stream, files);
    failed += failures.size;
    for (const e of embeddings.values()) (vectors.push(e), labels.push(person));
    milestone(`>loaded ${embeddings.size} examples for class: ${person}`);
  }
  const model = trainSvm(vectors, labels, { C: DEFAULT_SVM_C });
  const rule = openSetRuleFor(openSet.values, openSet.embedder, openSet.flip, vectors.length);
  const enrolled = new Map<string, Float32Array[]>();
  vectors.forEach((v, i) => enrolled.set(labels[i], [...(enrolled.get(labels[i]) ?? []), v]));
  const distance = faceDistance(openSet.embedder);
  const index = await buildGalleryIndex(vectors, partSizesOf(openSet.embedder, vectors[0].length));
  const outcomes: (ValOutcome & { file: string })[] = [];
  const shown: ValFaceView[] = [], valBoxes = new Map<string, Box>();
  const probes: ScoredProbe[] = [];
  try {
    for (const [person, files] of val) {
      const { embeddings, boxes, failures } = await embedFiles(stream, files);
      failed += failures.size;
      const faces = [...embeddings.values()], faceFiles = [...embeddings.keys()];
      let ids: Identification[];
      if (method === "svm") ids = faces.map((e) => identifySvm(model, e, rule, distance, enrolled));
      else {
        const found = faces.length ? await index.nearest(faces, 1) : [];
        ids = found.map(([best]) =>
          identifyNearest({ person: labels[best.index], distance: best.distance }, rule)
        );
      }
      faces.forEach((e, i) => {
        const id = ids[i];
        outcomes.push({
          file: faceFiles[i],
          truth: person,
          predicted: predictSvm(model, e).label,
          answer: id.name,
          reason: id.reason,
        });
        probes.push({
          enrolled: train.has(person),
          candidateRight: id.candidate === person,
          distance: id.distance ?? Infinity,
        });
        const right = id.name === (train.has(person) ? person : UNKNOWN);
        if (page && (!right || id.name === UNKNOWN)) {
          shown.push({ ...id, file: faceFiles[i], truth: person, answer: id.name, right });
          valBoxes.set(faceFiles[i], boxes.get(faceFiles[i])!);
        }
      });
      milestone(`>loaded ${embeddings.size} examples for class: ${person} (val)`);
    }
  } finally {
    index.dispose();
  }
  const report = classificationReport(outcomes, model.classes);
  const atCut = openSetPoint(probes, rule.maxDistance);
  const best = bestCut(probes);
  const openSetResult = {
    method,
    maxDistance: rule.maxDistance,
    namedRight: atCut.namedRight,
    strangersAccepted: atCut.strangersAccepted,
    bestCut: best,
    curve: openSetCurve(probes),
  };
  const results = {
    trainAccuracy: model.training.accuracy,
    trainFaces: vectors.length,
    valFaces: outcomes.length,
    imagesWithoutFace: failed,
    rule: { maxDistance: rule.maxDistance, minProbability: rule.minProbability },
    openSet: openSetResult,
    ...report,
  };
  if (page) {
    const faces = await thumbnailFaces(shown, valBoxes);
    const withThumbnails = Math.min(faces.length, MAX_THUMBNAIL_FACES);
    const input = { command: page.command, results, faces, withThumbnails };
    await writeReport(page.file, foldersReportHtml(input));
  }
  if (format === "json" || format === "jsonl") {
    out(JSON.stringify(results) + "\n");
    return failed ? EXIT.partial : EXIT.ok;
  }
  const strangers = probes.filter((p) => !p.enrolled).length;
  const summary = [
    `Accuracy: train=${pct(model.training.accuracy)}, test=${pct(report.testAccuracy)}`,
    `Open set (method ${method}, distance cut ${rule.maxDistance.toFixed(4)}): ` +
    `${report.unknown.total} of ${outcomes.length} val faces unknown ` +
    `(${report.unknown.byProbability} by probability, ${report.unknown.byDistance} by distance); ` +
    `open-set accuracy=${pct(report.openSetAccuracy)}`,
    `  enrolled people's faces named right: ${pct(atCut.namedRight)}` +
    (strangers ? `; strangers named as someone: ${pct(atCut.strangersAccepted)}` : "") +
    ` (best cut in hindsight ${best.maxDistance.toFixed(4)}: ${pct(best.namedRight)}` +
    (strangers ? ` / ${pct(best.strangersAccepted)})` : ")"),
    ...(failed ? [`Images skipped (unreadable or no face): ${failed}`] : []),
  ];
  if (format === "text") {
    out([...summary, "", formatReport(report)].join("\n") + "\n");
  } else {
    for (const line of summary) info(line);
    const writer = createWriter("csv", {
      header: ["file", "person", "predicted", "answer", "reason"],
      rows: (
        o: ValOutcome & { file: string },
      ) => [[o.file, o.truth, o.predicted, o.answer, o.reason]],
      errorColumn: false,
    });
    for (const o of outcomes) writer.write(o);
    writer.close();
  }
  return failed ? EXIT.partial : EXIT.ok;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** `root/path`, or `root/<base name of path>` when only that exists (pair lists with other roots). */
async function resolvePairPath(root: string, path: string): Promise<string> {
  const direct = `${root}/${path}`;
  const flat = `${root}/${path.split(/[\\/]/).pop()}`;
  return !(await exists(direct)) && await exists(flat) ? flat : direct;
}

async function evaluatePairs(
  pairsFile: string,
  root: string,
  options: FaceOptions,
  pick: Pick,
  thresholdText: string | undefined,
  format: ReportFormat,
  report: { file: string; command: string } | undefined,
): Promise<number> {
  let text: string;
  try {
    text = await Deno.readTextFile(pairsFile);
  } catch (e) {
    throw new UsageError(`${pairsFile}: cannot read: ${(e as Error).message}`);
  }
  const pairs: ImagePair[] = parsePairs(text, pairsFile);
  const paths = new Map<string, string>();
  for (const p of pairs) {
    for (const f of [p.a, p.b]) if (!paths.has(f)) paths.set(f, await resolvePairPath(root, f));
  }
  info(`${pairs.length} pairs, ${paths.size} images`);
  const files = [...paths.values()];
  const analyzer = await createAnalyzer(
    { detector: options.detector, embed: true, embedder: options.embedder },
    Math.min(options.jobs, files.length),
  );
  let embedded;
  const embedder = analyzer.embedder!.name;
  try {
    embedded = await embedFiles(embedStream(files, analyzer, options, pick), files);
  } finally {
    analyzer.close();
  }
  const { embeddings, boxes, failures } = embedded;
  const scored: (ScoredPair & { a: string; b: string })[] = pairs.map((p) => {
    const ea = embeddings.get(paths.get(p.a)!), eb = embeddings.get(paths.get(p.b)!);
    const distance = ea && eb ? faceDistance(embedder)(ea, eb) : Infinity;
    return { a: p.a, b: p.b, same: p.same, fold: p.fold, distance };
  });
  const kfold = kFoldAccuracy(scored);
  const best = bestThreshold(scored);
  // Without a calibrated threshold (a user's model), failures are counted at the best one.
  const calibrated = thresholdFor(thresholdText, "threshold", embedder, options.flip);
  const threshold = calibrated ?? best.threshold;
  const results = {
    pairs: scored.length,
    images: paths.size,
    imagesWithoutFace: failures.size,
    pairsWithoutFace: scored.filter((p) => p.distance === Infinity).length,
    folds: kfold.folds.length,
    kFoldAccuracy: kfold.mean,
    kFoldStd: kfold.std,
    embedder,
    threshold: calibrated,
    accuracyAtThreshold: calibrated === null ? null : accuracyAt(scored, calibrated),
    bestThreshold: best.threshold,
    bestAccuracy: best.accuracy,
    rocAuc: rocAuc(scored),
    equalErrorRate: equalErrorRate(scored),
    tarAtFar1e3: tarAtFar(scored, 1e-3).tar,
    tarAtFar1e2: tarAtFar(scored, 1e-2).tar,
    foldResults: kfold.folds,
  };
  const failedPairs = scored
    .filter((p) => (p.distance <= threshold) !== p.same)
    .map((p) => ({
      a: p.a,
      b: p.b,
      same: p.same,
      distance: Number.isFinite(p.distance) ? p.distance : null,
    }));
  if (report) {
    const faceOf = (path: string) => {
      const file = paths.get(path)!, box = boxes.get(file);
      return box && { file, box };
    };
    const failed = await thumbnailPairs(failedPairs, faceOf);
    const withThumbnails = Math.min(failed.length, MAX_THUMBNAIL_PAIRS);
    const page = { command: report.command, results, scored, threshold, failed, withThumbnails };
    await writeReport(report.file, pairsReportHtml(page));
  }
  if (format === "csv") {
    const writer = createWriter("csv", {
      header: ["a", "b", "same", "distance", "fold", "predictedSame"],
      rows: (p: (typeof scored)[number]) => [[
        p.a,
        p.b,
        p.same,
        Number.isFinite(p.distance) ? p.distance : null,
        p.fold,
        p.distance <= threshold,
      ]],
      errorColumn: false,
    });
    for (const p of scored) writer.write(p);
    writer.close();
    info(
      `k-fold accuracy ${pct(kfold.mean)}, ROC AUC ${results.rocAuc.toFixed(4)}, ` +
        `predictedSame at threshold ${threshold.toFixed(4)}`,
    );
  } else if (format !== "text") {
    out(
      JSON.stringify({ ...results, failedPairs, failedImages: Object.fromEntries(failures) }) +
        "\n",
    );
  } else {
    const lines: string[] = [];
    lines.push(
      `Pairs: ${results.pairs} (${results.pairsWithoutFace} with an image without a face)`,
    );
    lines.push(
      results.folds
        ? `${results.folds}-fold accuracy: ${pct(kfold.mean)} ± ${pct(kfold.std)}`
        : "k-fold accuracy: n/a (the pairs form one fold)",
    );
    lines.push(
      calibrated === null
        ? `Accuracy at threshold: n/a (${embedder} has no calibrated threshold; give --threshold)`
        : `Accuracy at threshold ${calibrated}: ${pct(accuracyAt(scored, calibrated))}`,
    );
    lines.push(`Best threshold: ${best.threshold.toFixed(4)} (accuracy ${pct(best.accuracy)})`);
    lines.push(`ROC AUC: ${results.rocAuc.toFixed(4)}   EER: ${pct(results.equalErrorRate)}%`);
    lines.push(
      `TAR@FAR=1e-3: ${pct(results.tarAtFar1e3)}   TAR@FAR=1e-2: ${pct(results.tarAtFar1e2)}`,
    );
    out(lines.join("\n") + "\n");
  }
  return failures.size ? EXIT.partial : EXIT.ok;
}

/** Runs `faceprint evaluate`; returns the exit code. */
export async function evaluateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...FACE_FLAGS,
    json: { type: "boolean" },
    format: { type: "string", short: "f" },
    pairs: { type: "string" },
    root: { type: "string" },
    pick: { type: "string" },
    ...OPEN_SET_FLAGS,
    threshold: { type: "string" },
    report: { type: "string" },
  });
  const options = parseFaceOptions(values);
  const format = reportFormat(values.format, values.json ?? false);
  const report = values.report === undefined
    ? undefined
    : { file: values.report, command: ["faceprint", "evaluate", ...argv].join(" ") };
  if (report) await checkReportPath(report.file);
  if (values.pairs !== undefined) {
    if (positionals.length) throw new UsageError("--pairs takes no DATASET_DIR");
    if (!values.root) throw new UsageError("--pairs needs --root DIR");
    const pick = parsePick(values.pick, "center");
    return await evaluatePairs(
      values.pairs,
      values.root,
      options,
      pick,
      values.threshold,
      format,
      report,
    );
  }
  if (positionals.length !== 1) {
    throw new UsageError("give one DATASET_DIR (with train/ and val/), or --pairs");
  }
  const pick = parsePick(values.pick, "largest");
  return await evaluateFolders(positionals[0], options, pick, values, format, report);
}
