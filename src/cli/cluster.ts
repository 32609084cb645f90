/**
 * `faceprint cluster`: every face of a collection grouped by person (average linkage cut at a
 * distance), one record per face, group ids by group size; contact sheets and gallery names on
 * request.
 */
import { parseArgs } from "node:util";
import { averageLinkage } from "../cluster/average_linkage.ts";
import { DEFAULT_CUTS, DEFAULT_MIN_SIZE } from "../cluster/defaults.ts";
import { parseEmbeddings } from "../cluster/embeddings_file.ts";
import {
  embedderStamp,
  type FaceSource,
  type FaceTable,
  faceTable,
  stampName,
} from "../cluster/face_table.ts";
import { nameGroups } from "../cluster/gallery_names.ts";
import { orderGroups } from "../cluster/groups.ts";
import { neighborGraph } from "../cluster/neighbor_graph.ts";
import { STAMPED_NAMES } from "../embed/catalog.ts";
import { readGallery } from "../gallery/mod.ts";
import { calibrationFor } from "../identify/calibration.ts";
import { createAnalyzer } from "../pipeline/worker_pool.ts";
import { writeSheets } from "./cluster_sheets.ts";
import {
  type ClusterRecord as ClusterReportRecord,
  clusterReportHtml,
} from "../report/cluster_report.ts";
import { checkReportPath, writeReport } from "../report/report_file.ts";
import { faceDistance } from "../identify/metric.ts";
import { analyzeInputs } from "./analyze_inputs.ts";
import { EXIT, UsageError } from "./errors.ts";
import {
  DEFAULT_FLIP,
  FACE_FLAGS,
  FACE_FLAGS_HELP,
  type FaceOptions,
  imageOptions,
  nonNegativeFlag,
  parseFaceOptions,
} from "./face_options.ts";
import { expandInputs } from "./inputs.ts";
import { info, progress, warn } from "./log.ts";
import { createWriter, parseFormat } from "./output.ts";
import { embeddingValues, roundBox } from "./records.ts";
import { chooseEmbedder, chooseFlip } from "./stamped_embedder.ts";

const cuts = Object.entries(STAMPED_NAMES).map(([flag, name]) => `${flag} ${DEFAULT_CUTS[name]}`)
  .join(", ");

/** Help for `faceprint cluster`. */
export const CLUSTER_HELP = `Usage: faceprint cluster [options] PATH...
       faceprint cluster --from-embeddings EMB.jsonl [options]

Groups every face of the images by person: who appears where. Each face is embedded (all faces
of each image, the detection options of 'embed'), or read from an earlier 'faceprint embed' run
with --from-embeddings (no model runs, so trying another --threshold is quick). Faces are joined
by average linkage: the two groups whose faces are closest on average merge, while that mean
distance is below the threshold.

Prints one JSON object per face, in input order:
  {"file","face","box","cluster","size","name"?,"score","landmarks","embedder","embedding"}
"cluster" is 0 for the largest group, 1 for the next, ... (ties: the group seen first); faces in
groups smaller than --min-size get "cluster": null. Then a summary line on stderr. Name groups
into a gallery with: faceprint enroll --clusters FILE --name alice=0 --gallery G

Options:
  --from-embeddings F   cluster the faces of 'faceprint embed' output F instead of images
  --threshold D         the distance cut; lower splits more, higher merges more (default per
                        embedder, chosen on LFW: ${cuts})
  --min-size N          smallest group given an id (default ${DEFAULT_MIN_SIZE})
  --gallery G           name each group after the gallery person nearest on average (mean
                        distance below the embedder's verification threshold), as "name"
  --sheets DIR          write DIR/cluster-0000.png ... (the group's aligned faces, up to 100)
                        and DIR/unclustered.png
  --report FILE.html    one self-contained page: a row of face thumbnails per group, its size
  -f, --format F        jsonl (default), json, or csv (file,face,x,y,width,height,cluster,size,name)
${FACE_FLAGS_HELP}

Exit codes: 0 all images read, 1 some images failed (their errors are in the output), 2 usage
error or an unreadable embeddings file or gallery.

Example:
  faceprint embed photos/ > emb.jsonl
  faceprint cluster --from-embeddings emb.jsonl --sheets sheets/ > clusters.jsonl`;

/** One line of cluster output. */
interface ClusterRecord {
  file: string;
  face?: number;
  box?: FaceSource["box"];
  cluster?: number | null;
  size?: number;
  name?: string;
  score?: number;
  landmarks?: FaceSource["landmarks"];
  embedder?: string;
  flip?: boolean;
  embedding?: number[];
  error?: string;
}

/** Embeds every face of the inputs; failed images are reported and returned as error records. */
async function embedInputs(
  positionals: string[],
  options: FaceOptions,
  gallery: string | undefined,
): Promise<{ table: FaceTable; errors: ClusterRecord[] }> {
  const inputs = await Array.fromAsync(expandInputs(positionals));
  const analyzer = await createAnalyzer(
    { detector: options.detector, embed: true, embedder: await chooseEmbedder(options, [gallery]) },
    Math.max(1, Math.min(options.jobs, inputs.length)),
  );
  const entries: [FaceSource, Float32Array][] = [];
  const errors: ClusterRecord[] = [];
  try {
    const results = analyzeInputs(analyzer, inputs, {
      ...imageOptions(options, "all"),
      keepChips: false,
    });
    for await (const outcome of results) {
      progress(outcome.index, inputs.length, outcome.item.path);
      const file = outcome.item.path;
      if (!outcome.ok) {
        warn(`${file}: ${outcome.error.message}`);
        errors.push({ file, error: outcome.error.message });
        continue;
      }
      outcome.value.faces.forEach((f, face) => {
        const { box, score, landmarks } = f;
        entries.push([{ file, face, box, score, landmarks }, f.embedding!]);
      });
    }
  } finally {
    analyzer.close();
  }
  progress(inputs.length, inputs.length, "");
  const e = analyzer.embedder!;
  return { table: faceTable(embedderStamp(e), e.size, entries, options.flip), errors };
}

/** An embeddings file without stamps is taken as made by the --embedder in use, if sizes agree. */
async function readEmbeddingsFile(path: string, options: FaceOptions): Promise<FaceTable> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot read embeddings: ${(e as Error).message}`);
  }
  const sizes: Record<string, number> = { dlib: 128, mobilefacenet: 192, fused: 320 };
  const choice = options.embedder;
  return parseEmbeddings(text, path, (dim) => {
    if (choice.kind !== "builtin" || sizes[choice.name] !== dim) return undefined;
    warn(`${path}: no embedder stamp; taking the ${dim}-value embeddings as ${choice.name}'s`);
    return STAMPED_NAMES[choice.name];
  });
}

/** Runs `faceprint cluster`; returns the exit code. */
export async function clusterCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...FACE_FLAGS,
      "from-embeddings": { type: "string" },
      threshold: { type: "string" },
      "min-size": { type: "string" },
      gallery: { type: "string" },
      sheets: { type: "string" },
      report: { type: "string" },
      format: { type: "string", short: "f" },
    },
  });
  if (values.report !== undefined) await checkReportPath(values.report);
  const from = values["from-embeddings"];
  if ((from === undefined) === (positionals.length === 0)) {
    throw new UsageError("give image files or folders, or --from-embeddings FILE (not both)");
  }
  const format = parseFormat(values.format);
  const options = parseFaceOptions(values);
  if (from === undefined) options.flip = await chooseFlip(options, [values.gallery]);
  const minSize = nonNegativeFlag("min-size", values["min-size"], DEFAULT_MIN_SIZE);
  const started = performance.now();
  const { table, errors } = from !== undefined
    ? { table: await readEmbeddingsFile(from, options), errors: [] }
    : await embedInputs(positionals, options, values.gallery);
  const embedderName = stampName(table.embedder);
  const cut = values.threshold === undefined
    ? DEFAULT_CUTS[embedderName]
    : nonNegativeFlag("threshold", values.threshold, 0);
  if (cut === undefined) {
    throw new UsageError(`embedder ${embedderName} has no default cut: give --threshold`);
  }

  const clusterStart = performance.now();
  const labels = averageLinkage(table.vectors, await neighborGraph(table.vectors, cut), cut);
  const { groups, groupOf } = orderGroups(labels);
  const clusterMs = performance.now() - clusterStart;
  const names = values.gallery === undefined
    ? groups.map(() => null)
    : await galleryNames(values.gallery, table, groups);

  const writer = createWriter<ClusterRecord>(format, {
    header: ["file", "face", "x", "y", "width", "height", "cluster", "size", "name"],
    rows: (r) => [[
      r.file,
      r.face!,
      r.box!.x,
      r.box!.y,
      r.box!.width,
      r.box!.height,
      r.cluster ?? "",
      r.size!,
      r.name ?? "",
    ]],
  });
  const reported: ClusterReportRecord[] = [];
  table.faces.forEach((f, row) => {
    const g = groupOf[row];
    const size = groups[g].length;
    const record: ClusterRecord = {
      file: f.file,
      face: f.face,
      box: roundBox(f.box),
      cluster: size >= minSize ? g : null,
      size,
    };
    if (names[g] !== null) record.name = names[g]!;
    if (values.report !== undefined) reported.push({ ...record } as ClusterReportRecord);
    Object.assign(record, {
      score: Math.round(f.score * 1e4) / 1e4,
      landmarks: roundLandmarks(f.landmarks),
      embedder: table.embedder,
      ...(table.flip === undefined ? {} : { flip: table.flip }),
      embedding: embeddingValues(
        table.vectors.data.subarray(row * table.vectors.dim, (row + 1) * table.vectors.dim),
      ),
    });
    writer.write(record);
  });
  for (const e of errors) writer.write(e);
  writer.close();
  if (values.sheets !== undefined) {
    await writeSheets(values.sheets, table.faces, groups, minSize, options.maxPixels);
  }
  if (values.report !== undefined) {
    const command = ["faceprint", "cluster", ...argv].join(" ");
    await writeReport(values.report, await clusterReportHtml(reported, { command }));
  }
  const clustered = groups.filter((g) => g.length >= minSize);
  const alone = table.faces.length - clustered.reduce((n, g) => n + g.length, 0);
  info(
    `${table.faces.length} faces, ${clustered.length} clusters of ${minSize}+ faces, ${alone} ` +
      `unclustered (threshold ${cut}); ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
      `clustering ${(clusterMs / 1000).toFixed(2)} s`,
  );
  return errors.length ? EXIT.partial : EXIT.ok;
}

function roundLandmarks(l: FaceSource["landmarks"]): FaceSource["landmarks"] {
  const p = ([x, y]: [number, number]): [number, number] => [
    Math.round(x * 100) / 100,
    Math.round(y * 100) / 100,
  ];
  return {
    leftEye: p(l.leftEye),
    rightEye: p(l.rightEye),
    nose: p(l.nose),
    mouthLeft: p(l.mouthLeft),
    mouthRight: p(l.mouthRight),
  };
}

/** Names groups after the gallery's people (the gallery must be of the same embedder). */
async function galleryNames(
  path: string,
  table: FaceTable,
  groups: number[][],
): Promise<(string | null)[]> {
  const at = table.embedder.lastIndexOf("@");
  const stamp = {
    embedder: stampName(table.embedder),
    embedderHash: at < 0 ? "" : table.embedder.slice(at + 1),
    dim: table.vectors.dim,
    flip: table.flip,
  };
  const gallery = await readGallery(path, stamp);
  const byPerson = new Map<string, Float32Array[]>();
  for (const r of gallery.records) {
    byPerson.set(r.person, [...byPerson.get(r.person) ?? [], r.embedding]);
  }
  const people = [...byPerson].map(([person, embeddings]) => ({ person, embeddings }));
  // The verify threshold for the embeddings' own --flip setting (the default when unrecorded).
  const threshold = calibrationFor(stamp.embedder, table.flip ?? DEFAULT_FLIP)?.verifyThreshold;
  if (threshold === undefined) {
    throw new UsageError(`embedder ${stamp.embedder} has no calibrated threshold to name groups`);
  }
  return nameGroups(table.vectors, groups, people, threshold, faceDistance(stamp.embedder));
}
