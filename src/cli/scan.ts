/**
 * The loop behind `detect` and `embed`: every input image through the pipeline, one record per
 * image on stdout, failures as error records plus a line on stderr, aligned crops on request.
 */
import { parseFlags } from "./args.ts";
import { encodePng } from "../image/encode_png.ts";
import type { AnalyzedImage } from "../pipeline/analyze.ts";
import { createAnalyzer } from "../pipeline/worker_pool.ts";
import { realPathOrNull, type SkipTally } from "./inputs.ts";
import {
  INPUT_FLAGS,
  parseInputPlan,
  reportSkipped,
  RESUME_FLAG,
  selectInputs,
  takeAhead,
} from "./input_flags.ts";
import { openResume } from "./resume.ts";
import { analyzeInputs } from "./analyze_inputs.ts";
import { EXIT, UsageError } from "./errors.ts";
import { FACE_FLAGS, imageOptions, parseFaceOptions, parsePick } from "./face_options.ts";
import { createWriter, type CsvShape, parseFormat, stdoutClosed } from "./output.ts";
import { reportSaved } from "./interrupt.ts";
import {
  FACE_COLUMNS,
  faceColumns,
  faceRecord,
  IMAGE_COLUMNS,
  type ImageRecord,
} from "./records.ts";
import { outputPath, outputStem, uniqueName } from "./names.ts";
import { endProgress, progress, warn } from "./log.ts";
import { embedderStamp } from "../cluster/face_table.ts";

/** CSV columns of `detect` / `embed`: the image, then one face per row (blank for none). */
function csvShape(embed: boolean, dim: number): CsvShape<ImageRecord> {
  const embedding = embed ? Array.from({ length: dim }, (_, i) => `e${i}`) : [];
  return {
    header: [...IMAGE_COLUMNS, ...FACE_COLUMNS, ...embedding],
    rows: (r) => {
      const image = [r.file, r.width, r.height, r.faces?.length, r.detected ?? r.faces?.length];
      if (!r.faces?.length) return [image];
      return r.faces.map((f, i) => [...image, ...faceColumns(f, i), ...(f.embedding ?? [])]);
    },
  };
}

/**
 * Writes each face's aligned chip as `DIR/<image stem>_<face index>.png`, never overwriting one of
 * this run's (a colliding name gets `-2`, `-3`…); returns the path written for each face.
 */
async function writeCrops(
  dir: string,
  file: string,
  result: AnalyzedImage,
  used: Set<string>,
): Promise<(string | undefined)[]> {
  const paths: (string | undefined)[] = [];
  for (const [i, face] of result.faces.entries()) {
    if (!face.chip) {
      paths.push(undefined);
      continue;
    }
    const path = outputPath(dir, `${uniqueName(`${outputStem(file)}_${i}`, used)}.png`);
    await Deno.writeFile(path, encodePng(face.chip));
    paths.push(path);
  }
  return paths;
}

/** Runs `detect` (embed = false) or `embed` on argv; returns the exit code. */
export async function runScan(argv: string[], embed: boolean): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...FACE_FLAGS,
    ...INPUT_FLAGS,
    ...RESUME_FLAG,
    format: { type: "string", short: "f" },
    pick: { type: "string" },
    crops: { type: "string" },
  });
  const plan = parseInputPlan(values, positionals);
  const format = parseFormat(values.format);
  if (values.resume !== undefined && format !== "jsonl") {
    throw new UsageError("--resume writes JSON Lines: leave out --format or use jsonl");
  }
  const options = parseFaceOptions(values);
  const pick = parsePick(values.pick, "all");
  const crops = values.crops;
  if (crops !== undefined) await Deno.mkdir(crops, { recursive: true });

  const resumed = values.resume === undefined
    ? undefined
    : await openResume<ImageRecord>(values.resume);
  if (resumed?.truncated) {
    warn(`${values.resume}: cut off a torn last record (${resumed.truncated} bytes)`);
  }
  const skipped: SkipTally = new Map();
  const exclude = new Set<string>();
  if (crops !== undefined) exclude.add((await realPathOrNull(crops)) ?? crops);
  const { head, all: inputs } = await takeAhead(
    selectInputs(plan, {
      skipped,
      exclude,
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
    { detector: options.detector, embed, embedder: options.embedder },
    Math.min(options.jobs, head.length),
  );
  const writer = resumed?.writer ??
    createWriter(format, csvShape(embed, analyzer.embedder?.size ?? 0));
  const used = new Set<string>();
  let failed = 0, done = 0;
  try {
    const results = analyzeInputs(analyzer, inputs, {
      ...imageOptions(options, pick),
      keepChips: crops !== undefined,
    });
    for await (const outcome of results) {
      // Nobody reads the output any more and no files are being written: stop.
      if (stdoutClosed() && crops === undefined) break;
      const { item: input } = outcome;
      progress(done++, undefined, input.path);
      try {
        if (!outcome.ok) throw outcome.error;
        const result = outcome.value;
        const cropPaths = crops === undefined
          ? []
          : await writeCrops(crops, input.path, result, used);
        if (crops !== undefined) reportSaved(() => `${used.size} face crops written to ${crops}`);
        const record: ImageRecord = {
          file: input.path,
          width: result.width,
          height: result.height,
        };
        if (pick !== "all") record.detected = result.detected;
        if (analyzer.embedder) {
          record.embedder = embedderStamp(analyzer.embedder);
          record.flip = options.flip;
        }
        record.faces = result.faces.map((face, i) => {
          const out = faceRecord(face);
          return cropPaths[i] === undefined ? out : { ...out, crop: cropPaths[i] };
        });
        writer.write(record);
      } catch (e) {
        failed++;
        const error = (e as Error).message;
        warn(`${input.path}: ${error}`);
        writer.write({ file: input.path, error });
      }
    }
  } finally {
    analyzer.close();
    endProgress();
  }
  writer.close();
  reportSkipped(skipped, done);
  return failed ? EXIT.partial : EXIT.ok;
}
