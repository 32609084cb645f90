/** `faceprint identify`: who is each face in each image, with a probability, or `unknown`. */
import { parseFlags } from "./args.ts";
import { chooseEmbedder } from "./stamped_embedder.ts";
import { readGallery } from "../gallery/mod.ts";
import { drawAnnotations } from "../image/annotate.ts";
import { encodePng } from "../image/encode_png.ts";
import { DEFAULT_MIN_PROBABILITY } from "../identify/defaults.ts";
import { type EnrolledFaces, identify, type OpenSetRule, UNKNOWN } from "../identify/open_set.ts";
import { type Analyzer, createAnalyzer, mapOrdered } from "../pipeline/worker_pool.ts";
import type { Box } from "../types.ts";
import { EXIT, UsageError } from "./errors.ts";
import {
  FACE_FLAGS,
  FACE_FLAGS_HELP,
  type FaceOptions,
  imageOptions,
  openSetRuleFor,
  parseFaceOptions,
} from "./face_options.ts";
import { expandInputs, type Input, readInput } from "./inputs.ts";
import { progress, warn } from "./log.ts";
import { readModelFile } from "./models_file.ts";
import { createWriter, type Format, parseFormat, stdoutClosed } from "./output.ts";
import { reportSaved } from "./interrupt.ts";
import { checkModelPeople, expectKind } from "./file_kind.ts";
import { roundBox } from "./records.ts";
import { outputStem, uniqueName } from "./names.ts";

/** Help for `faceprint identify`. */
export const IDENTIFY_HELP =
  `Usage: faceprint identify PATH... --model MODEL.json [--gallery G] [options]

Names every face in every image with the trained SVM. One JSON object per image:
  {"file","width","height","faces":[{"box","score","name","probability","distance",
   "candidate","reason"}]}
A face is "unknown" when the SVM's probability is below --min-probability, or (with --gallery)
when it is farther than --max-distance from every enrolled face of the person the SVM chose;
"candidate" is the SVM's best guess and "reason" says which rule made it unknown. Give the gallery
the model was trained on: without it only the probability rule applies, and strangers are more
often taken for someone.

Options:
  --model MODEL.json    the classifier (from 'faceprint train')
  --gallery G           the gallery, for the distance rule (recommended)
  --min-probability P   default ${DEFAULT_MIN_PROBABILITY}
  --max-distance D      default: the embedder's calibrated threshold (faceprint --version)
  --annotate DIR        write DIR/<image>.png with each face boxed and labelled "name (93%)"
                        (green), or "unknown" (red)
  -f, --format F        jsonl (default), json, csv (one row per face, one for an image without
                        faces; columns in the README)
${FACE_FLAGS_HELP}

Exit codes: 0 all images read, 1 some images failed (their errors are in the output), 2 usage
error or an unreadable model/gallery.

Example:
  faceprint identify party/ --model people.svm.json --gallery people.jsonl --annotate named/`;

/** One identified face as printed. */
interface IdentifiedFace {
  box: Box;
  score: number;
  name: string;
  probability: number;
  candidate: string;
  distance?: number;
  reason?: string;
}

/** One line of identify output. */
interface IdentifyRecord {
  file: string;
  width?: number;
  height?: number;
  faces?: IdentifiedFace[];
  error?: string;
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Runs `faceprint identify`; returns the exit code. */
export async function identifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...FACE_FLAGS,
    model: { type: "string" },
    gallery: { type: "string" },
    "min-probability": { type: "string" },
    "max-distance": { type: "string" },
    annotate: { type: "string" },
    format: { type: "string", short: "f" },
  });
  if (!values.model) throw new UsageError("--model MODEL.json is required");
  if (positionals.length === 0) {
    throw new UsageError("no input: give image files, directories or -");
  }
  const format = parseFormat(values.format);
  const options = parseFaceOptions(values);
  await expectKind(values.model, "model");
  if (values.gallery) await expectKind(values.gallery, "gallery");
  const inputs = await Array.fromAsync(expandInputs(positionals));
  const analyzer = await createAnalyzer(
    {
      detector: options.detector,
      embed: true,
      embedder: await chooseEmbedder(options, [values.model, values.gallery]),
    },
    Math.min(options.jobs, inputs.length),
  );
  try {
    const rule = openSetRuleFor(values, analyzer.embedder!.name, options.flip);
    return await identifyAll(analyzer, inputs, values, { ...options, rule, format });
  } finally {
    analyzer.close();
  }
}

/** Loads the model (and gallery), then names the faces of every input, in input order. */
async function identifyAll(
  analyzer: Analyzer,
  inputs: Input[],
  values: { model?: string; gallery?: string; annotate?: string },
  options: FaceOptions & { rule: OpenSetRule; format: Format },
): Promise<number> {
  const { rule, format } = options;
  const embedder = analyzer.embedder!;
  const { model } = await readModelFile(values.model!, embedder);
  let enrolled: EnrolledFaces | undefined;
  if (values.gallery) {
    const stamp = { embedder: embedder.name, embedderHash: embedder.hash, dim: embedder.size };
    const gallery = await readGallery(values.gallery, stamp);
    if (gallery.records.length === 0) {
      throw new UsageError(`${values.gallery}: the gallery is empty or missing`);
    }
    enrolled = new Map();
    for (const r of gallery.records) {
      enrolled.set(r.person, [...(enrolled.get(r.person) ?? []), r.embedding]);
    }
    const people = new Set(enrolled.keys());
    for (const w of checkModelPeople(values.model!, model.classes, values.gallery, people)) warn(w);
  } else {
    warn("no --gallery: unknown faces are decided by probability alone");
  }
  if (values.annotate !== undefined) await Deno.mkdir(values.annotate, { recursive: true });

  const writer = createWriter<IdentifyRecord>(format, {
    header: [
      ...["file", "image_width", "image_height", "faces", "face", "name", "probability"],
      ...["candidate", "distance", "reason", "x", "y", "width", "height", "score"],
    ],
    rows: (r) => {
      const image = [r.file, r.width, r.height, r.faces?.length];
      if (!r.faces?.length) return [image];
      return r.faces.map((f, i) => [
        ...image,
        ...[i, f.name, f.probability, f.candidate, f.distance, f.reason],
        ...[f.box.x, f.box.y, f.box.width, f.box.height, f.score],
      ]);
    },
  });
  const usedNames = new Set<string>();
  let failed = 0;
  const results = mapOrdered(
    inputs,
    2 * analyzer.jobs,
    async (input) =>
      analyzer.analyze(await readInput(input), {
        ...imageOptions(options, "all"),
        keepChips: false,
        keepImage: values.annotate !== undefined,
      }),
  );
  for await (const outcome of results) {
    if (stdoutClosed() && values.annotate === undefined) break;
    const { item: input, index: n } = outcome;
    progress(n, inputs.length, input.path);
    try {
      if (!outcome.ok) throw outcome.error;
      const result = outcome.value;
      const faces = result.faces.map((face): IdentifiedFace => {
        const id = identify(model, face.embedding!, rule, enrolled);
        const out: IdentifiedFace = {
          box: roundBox(face.box),
          score: r4(face.score),
          name: id.name,
          probability: r4(id.probability),
          candidate: id.candidate,
        };
        if (id.distance !== undefined) out.distance = r4(id.distance);
        if (id.reason) out.reason = id.reason;
        return out;
      });
      if (values.annotate !== undefined && result.image) {
        const annotated = drawAnnotations(
          result.image,
          faces.map((f) => ({
            box: f.box,
            label: f.name === UNKNOWN ? UNKNOWN : `${f.name} (${Math.round(f.probability * 100)}%)`,
            color: f.name === UNKNOWN ? [220, 40, 40] : [0, 200, 0],
          })),
        );
        const name = uniqueName(outputStem(input.path), usedNames);
        await Deno.writeFile(`${values.annotate}/${name}.png`, encodePng(annotated));
        reportSaved(() => `${usedNames.size} annotated images written to ${values.annotate}`);
      }
      writer.write({ file: input.path, width: result.width, height: result.height, faces });
    } catch (e) {
      failed++;
      const error = (e as Error).message;
      warn(`${input.path}: ${error}`);
      writer.write({ file: input.path, error });
    }
  }
  progress(inputs.length, inputs.length, "");
  writer.close();
  return failed ? EXIT.partial : EXIT.ok;
}
