/**
 * The loop behind `detect` and `embed`: every input image through the pipeline, one record per
 * image on stdout, failures as error records plus a line on stderr, aligned crops on request.
 */
import { parseFlags } from "./args.ts";
import { encodePng } from "../image/encode_png.ts";
import type { AnalyzedImage } from "../pipeline/analyze.ts";
import { createAnalyzer, mapOrdered } from "../pipeline/worker_pool.ts";
import { expandInputs, readInput } from "./inputs.ts";
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
import { outputStem, uniqueName } from "./names.ts";
import { progress, warn } from "./log.ts";

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

/** Writes each face's aligned chip as `DIR/<image stem>_<face index>.png`, never overwriting one of this run's. */
async function writeCrops(dir: string, file: string, result: AnalyzedImage, used: Set<string>) {
  for (const [i, face] of result.faces.entries()) {
    if (!face.chip) continue;
    const name = uniqueName(`${outputStem(file)}_${i}`, used);
    await Deno.writeFile(`${dir}/${name}.png`, encodePng(face.chip));
  }
}

/** Runs `detect` (embed = false) or `embed` on argv; returns the exit code. */
export async function runScan(argv: string[], embed: boolean): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...FACE_FLAGS,
    format: { type: "string", short: "f" },
    pick: { type: "string" },
    crops: { type: "string" },
  });
  if (positionals.length === 0) {
    throw new UsageError("no input: give image files, directories or -");
  }
  const format = parseFormat(values.format);
  const options = parseFaceOptions(values);
  const pick = parsePick(values.pick, "all");
  const crops = values.crops;
  if (crops !== undefined) await Deno.mkdir(crops, { recursive: true });

  const inputs = await Array.fromAsync(expandInputs(positionals));
  const analyzer = await createAnalyzer(
    { detector: options.detector, embed, embedder: options.embedder },
    Math.min(options.jobs, inputs.length),
  );
  const writer = createWriter(format, csvShape(embed, analyzer.embedder?.size ?? 0));
  const used = new Set<string>();
  let failed = 0;
  try {
    const results = mapOrdered(
      inputs,
      2 * analyzer.jobs,
      async (input) =>
        analyzer.analyze(await readInput(input), {
          ...imageOptions(options, pick),
          keepChips: crops !== undefined,
        }),
    );
    for await (const outcome of results) {
      // Nobody reads the output any more and no files are being written: stop.
      if (stdoutClosed() && crops === undefined) break;
      const { item: input, index: n } = outcome;
      progress(n, inputs.length, input.path);
      try {
        if (!outcome.ok) throw outcome.error;
        const result = outcome.value;
        if (crops !== undefined) {
          await writeCrops(crops, input.path, result, used);
          reportSaved(() => `${used.size} face crops written to ${crops}`);
        }
        const record: ImageRecord = {
          file: input.path,
          width: result.width,
          height: result.height,
        };
        if (pick !== "all") record.detected = result.detected;
        record.faces = result.faces.map(faceRecord);
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
  }
  progress(inputs.length, inputs.length, "");
  writer.close();
  return failed ? EXIT.partial : EXIT.ok;
}
