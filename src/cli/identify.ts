/** `faceprint identify`: who is each face in each image, with a probability, or `unknown`. */
import { parseFlags } from "./args.ts";
import { chooseEmbedder, chooseFlip } from "./stamped_embedder.ts";
import { readGallery } from "../gallery/mod.ts";
import { drawAnnotations } from "../image/annotate.ts";
import { encodePng } from "../image/encode_png.ts";
import { buildGalleryIndex } from "../identify/gallery_index.ts";
import { faceDistance, partSizesOf } from "../identify/metric.ts";
import {
  type EnrolledFaces,
  type Identification,
  identifyNearest,
  identifySvm,
  type OpenSetRule,
  UNKNOWN,
} from "../identify/open_set.ts";
import type { GalleryRecord } from "../gallery/mod.ts";
import type { EmbedderInfo } from "../pipeline/worker_pool.ts";
import { type Analyzer, createAnalyzer } from "../pipeline/worker_pool.ts";
import type { Box } from "../types.ts";
import { analyzeInputs } from "./analyze_inputs.ts";
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
} from "./face_options.ts";
import { type Input, realPathOrNull, type SkipTally } from "./inputs.ts";
import {
  INPUT_FLAGS,
  INPUT_FLAGS_HELP,
  parseInputPlan,
  reportSkipped,
  RESUME_FLAG,
  RESUME_HELP,
  selectInputs,
  takeAhead,
} from "./input_flags.ts";
import { openResume } from "./resume.ts";
import { endProgress, info, progress, warn } from "./log.ts";
import { readModelFile } from "./models_file.ts";
import {
  createWriter,
  type Format,
  parseFormat,
  type RecordWriter,
  stdoutClosed,
} from "./output.ts";
import { reportSaved } from "./interrupt.ts";
import { checkModelPeople, expectKind } from "./file_kind.ts";
import { roundBox } from "./records.ts";
import { outputPath, outputStem, uniqueName } from "./names.ts";
import { IdentifyReport } from "../report/identify_report.ts";
import { checkReportPath, writeReport } from "../report/report_file.ts";

/** Help for `faceprint identify`. */
export const IDENTIFY_HELP =
  `Usage: faceprint identify PATH... --gallery G [--model MODEL.json] [options]

Names every face in every image. One JSON object per image:
  {"file","width","height","faces":[{"box","score","name","candidate","distance","confidence",
   "probability","reason"}]}
"candidate" is the best guess: the person of the nearest enrolled face (--method nearest, the
default) or the SVM's answer (--method svm). "name" is the candidate when the face is within the
distance cut of one of the candidate's enrolled faces, else "unknown" ("reason" says why).
"distance" is to that nearest face. "confidence" is 1 − the chance that a stranger comes this
close to some face of this gallery (from the embedder's calibration on LFW): 0.999 means about 1
stranger in 1,000 would. The cut is set so that a stranger is named with chance
--max-false-accept; the larger the gallery, the tighter the cut.

Options:
  --gallery G           the enrolled faces (from 'faceprint enroll')
  --model MODEL.json    the classifier (from 'faceprint train'), for --method svm
${OPEN_SET_FLAGS_HELP}
  --annotate DIR        write DIR/<image>.png with each face boxed and labelled "name 99.9%"
                        (green; the confidence), or "unknown" (red); the record's "annotated"
                        names the file (img-2.png when two inputs share a name); DIR is never
                        read as input
  --report FILE.html    also write a self-contained HTML page: each image with boxes and names,
                        who appears in which files, the unknown faces together
  -f, --format F        jsonl (default), json, csv (one row per face, one for an image without
                        faces; columns in the README)
${INPUT_FLAGS_HELP}
${RESUME_HELP}
${FACE_FLAGS_HELP}

Exit codes: 0 all images read, 1 some images failed (their errors are in the output), 2 usage
error or an unreadable model/gallery.

Example:
  faceprint identify party/ --gallery people.jsonl --annotate named/`;

/** One identified face as printed. */
interface IdentifiedFace {
  box: Box;
  score: number;
  name: string;
  candidate: string;
  distance?: number;
  confidence?: number;
  probability?: number;
  reason?: string;
}

/** One line of identify output. */
interface IdentifyRecord {
  file: string;
  width?: number;
  height?: number;
  faces?: IdentifiedFace[];
  /** The annotated copy written by `--annotate`. */
  annotated?: string;
  error?: string;
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Runs `faceprint identify`; returns the exit code. */
export async function identifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...FACE_FLAGS,
    ...OPEN_SET_FLAGS,
    model: { type: "string" },
    gallery: { type: "string" },
    annotate: { type: "string" },
    report: { type: "string" },
    ...INPUT_FLAGS,
    ...RESUME_FLAG,
    format: { type: "string", short: "f" },
  });
  if (values.report !== undefined) await checkReportPath(values.report);
  const method = parseMethod(values.method);
  if (!values.gallery) {
    throw new UsageError(
      "--gallery G is required: the open-set rule compares each face with the enrolled faces",
    );
  }
  if (method === "svm" && !values.model) {
    throw new UsageError("--method svm needs --model MODEL.json (from 'faceprint train')");
  }
  const plan = parseInputPlan(values, positionals);
  if (method === "nearest" && values.model) {
    warn("--model is used only with --method svm; answering with the nearest enrolled faces");
  }
  const format = parseFormat(values.format);
  const options = parseFaceOptions(values);
  if (values.model) await expectKind(values.model, "model");
  await expectKind(values.gallery, "gallery");
  options.flip = await chooseFlip(options, [values.model, values.gallery]);
  if (values.resume !== undefined && format !== "jsonl") {
    throw new UsageError("--resume writes JSON Lines: leave out --format or use jsonl");
  }
  if (values.annotate !== undefined) await Deno.mkdir(values.annotate, { recursive: true });
  const skipped: SkipTally = new Map();
  const resumed = values.resume === undefined
    ? undefined
    : await openResume<IdentifyRecord>(values.resume);
  const annotate = values.annotate === undefined
    ? undefined
    : (await realPathOrNull(values.annotate)) ?? values.annotate;
  const { head, all: inputs } = await takeAhead(
    selectInputs(plan, {
      skipped,
      exclude: new Set(annotate === undefined ? [] : [annotate]),
      answered: resumed?.answered,
      resumePath: values.resume,
    }),
    options.jobs,
  );
  if (head.length === 0) {
    resumed?.writer.close();
    return reportSkipped(skipped, 0) ? EXIT.partial : EXIT.ok;
  }
  const analyzer = await createAnalyzer(
    {
      detector: options.detector,
      embed: true,
      embedder: await chooseEmbedder(options, [values.model, values.gallery]),
    },
    Math.min(options.jobs, head.length),
  );
  try {
    const embedder = analyzer.embedder!;
    const stamp = {
      embedder: embedder.name,
      embedderHash: embedder.hash,
      dim: embedder.size,
      flip: options.flip,
    };
    const gallery = await readGallery(values.gallery, stamp);
    if (gallery.records.length === 0) throw new UsageError(`${values.gallery}: no faces enrolled`);
    const rule = openSetRuleFor(values, embedder.name, options.flip, gallery.records.length);
    const namer = method === "svm"
      ? await svmNamer(values.model!, embedder, values.gallery, gallery.records, rule)
      : await nearestNamer(gallery.records, embedder.name, rule);
    const people = new Set(gallery.records.map((r) => r.person)).size;
    info(
      `${gallery.records.length} enrolled faces of ${people} people; method ${method}, ` +
        `distance cut ${rule.maxDistance.toFixed(3)}`,
    );
    const report = values.report === undefined ? undefined : {
      file: values.report,
      command: ["faceprint", "identify", ...argv].join(" "),
      page: new IdentifyReport(),
    };
    try {
      const code = await identifyAll(
        analyzer,
        inputs,
        values,
        { ...options, format, report, writer: resumed?.writer },
        namer,
      );
      if (report) await writeReport(report.file, report.page.html(report.command));
      reportSkipped(skipped, 1);
      return code;
    } finally {
      namer.dispose();
    }
  } finally {
    analyzer.close();
    endProgress();
  }
}

/** Names the faces of one image. */
interface Namer {
  name(embeddings: Float32Array[]): Promise<Identification[]>;
  dispose(): void;
}

/** The nearest method over an index of the gallery. */
async function nearestNamer(
  records: readonly GalleryRecord[],
  embedder: string,
  rule: OpenSetRule,
): Promise<Namer> {
  const vectors = records.map((r) => r.embedding);
  const index = await buildGalleryIndex(vectors, partSizesOf(embedder, vectors[0].length));
  return {
    async name(embeddings) {
      const found = embeddings.length ? await index.nearest(embeddings, 1) : [];
      return found.map(([best]) =>
        identifyNearest(
          best && { person: records[best.index].person, distance: best.distance },
          rule,
        )
      );
    },
    dispose: () => index.dispose(),
  };
}

/** The SVM method, with the distance check against the candidate's enrolled faces. */
async function svmNamer(
  modelFile: string,
  embedder: EmbedderInfo,
  galleryFile: string,
  records: readonly GalleryRecord[],
  rule: OpenSetRule,
): Promise<Namer> {
  const { model } = await readModelFile(modelFile, embedder);
  const enrolled: EnrolledFaces = new Map();
  for (const r of records) enrolled.set(r.person, [...(enrolled.get(r.person) ?? []), r.embedding]);
  const people = new Set(enrolled.keys());
  for (const w of checkModelPeople(modelFile, model.classes, galleryFile, people)) warn(w);
  const distance = faceDistance(embedder.name);
  return {
    name: (embeddings) =>
      Promise.resolve(embeddings.map((e) => identifySvm(model, e, rule, distance, enrolled))),
    dispose: () => {},
  };
}

/** A face's label on the annotated image: the name and its confidence. */
function labelOf(face: IdentifiedFace): string {
  if (face.name === UNKNOWN) return UNKNOWN;
  if (face.confidence === undefined) return `${face.name} d=${face.distance?.toFixed(2)}`;
  return `${face.name} ${formatConfidence(face.confidence)}`;
}

/** 0.99973 → "99.97%", 0.999997 → "99.99%+": enough digits to tell confidences near 1 apart. */
function formatConfidence(confidence: number): string {
  const pct = confidence * 100;
  if (pct >= 99.99) return "99.99%+";
  const digits = pct >= 99 ? 2 : pct >= 90 ? 1 : 0;
  return `${(Math.floor(pct * 10 ** digits) / 10 ** digits).toFixed(digits)}%`;
}

/** Names the faces of every input, in input order. */
async function identifyAll(
  analyzer: Analyzer,
  inputs: AsyncIterable<Input>,
  values: { annotate?: string },
  options: FaceOptions & {
    format: Format;
    report?: { page: IdentifyReport };
    writer?: RecordWriter<IdentifyRecord>;
  },
  namer: Namer,
): Promise<number> {
  const { format, report } = options;
  const writer = options.writer ?? createWriter<IdentifyRecord>(format, {
    header: [
      ...["file", "image_width", "image_height", "faces", "face", "name", "candidate"],
      ...["distance", "confidence", "probability", "x", "y", "width", "height", "score", "reason"],
      "annotated",
    ],
    rows: (r) => {
      const image = [r.file, r.width, r.height, r.faces?.length];
      if (!r.faces?.length) return [[...image, ...Array(12).fill(""), r.annotated]];
      return r.faces.map((f, i) => [
        ...image,
        ...[i, f.name, f.candidate, f.distance, f.confidence, f.probability],
        ...[f.box.x, f.box.y, f.box.width, f.box.height, f.score, f.reason, r.annotated],
      ]);
    },
  });
  const usedNames = new Set<string>();
  let failed = 0;
  const results = analyzeInputs(analyzer, inputs, {
    ...imageOptions(options, "all"),
    keepChips: false,
    keepImage: values.annotate !== undefined || report !== undefined,
  });
  for await (const outcome of results) {
    if (stdoutClosed() && values.annotate === undefined && !report) break;
    const { item: input, index: n } = outcome;
    progress(n, undefined, input.path);
    try {
      if (!outcome.ok) throw outcome.error;
      const result = outcome.value;
      const ids = await namer.name(result.faces.map((face) => face.embedding!));
      const faces = result.faces.map((face, i): IdentifiedFace => {
        const id = ids[i];
        const out: IdentifiedFace = {
          box: roundBox(face.box),
          score: r4(face.score),
          name: id.name,
          candidate: id.candidate,
        };
        if (id.distance !== undefined && Number.isFinite(id.distance)) {
          out.distance = r4(id.distance);
        }
        if (id.confidence !== undefined) out.confidence = r6(id.confidence);
        if (id.probability !== undefined) out.probability = r4(id.probability);
        if (id.reason) out.reason = id.reason;
        return out;
      });
      const record: IdentifyRecord = {
        file: input.path,
        width: result.width,
        height: result.height,
        faces,
      };
      if (values.annotate !== undefined && result.image) {
        const annotated = drawAnnotations(
          result.image,
          faces.map((f) => ({
            box: f.box,
            label: labelOf(f),
            color: f.name === UNKNOWN ? [220, 40, 40] : [0, 200, 0],
          })),
        );
        record.annotated = outputPath(
          values.annotate,
          `${uniqueName(outputStem(input.path), usedNames)}.png`,
        );
        await Deno.writeFile(record.annotated, encodePng(annotated));
        reportSaved(() => `${usedNames.size} annotated images written to ${values.annotate}`);
      }
      writer.write(record);
      report?.page.add(record, result.image);
    } catch (e) {
      failed++;
      const error = (e as Error).message;
      warn(`${input.path}: ${error}`);
      writer.write({ file: input.path, error });
      report?.page.add({ file: input.path, error });
    }
  }
  writer.close();
  return failed ? EXIT.partial : EXIT.ok;
}
