/**
 * `deno task large-photo [FILE]`: one large photo from bytes to embedded faces with one worker
 * (the default detector and embedder, in process), timed per stage: median of 5 runs after one
 * warm-up, the CPU time of the whole analysis (user + system, all threads: what the wall time
 * would be on an idle machine when the work runs on one thread), and the process's peak resident
 * memory. Each way runs in a child process of its own:
 * large JPEGs decoded at reduced size for detection (the default) and at full size (as before),
 * and the faces of the two are compared (box offsets, embedding distance).
 *
 * FILE defaults to ../shared/data/groups/001_A.jpg (4912×7360, 36 MP). Prints one JSON object.
 */
import type { AnalyzedFace } from "../src/pipeline/analyze.ts";
import { cpuUsage } from "node:process";
import { median, round } from "./bench/stats.ts";

const DEFAULT_FILE = new URL("../../shared/data/groups/001_A.jpg", import.meta.url).pathname;
const RUNS = 5;

interface ChildResult {
  mode: string;
  medians: Record<string, number>;
  peakRssMiB: number;
  faces: { box: { x: number; y: number; width: number; height: number }; embedding: number[] }[];
}

/** Child: warm-up plus {@link RUNS} timed analyses of `file`, JSON on stdout. */
async function child(file: string, reduceJpeg: boolean): Promise<void> {
  const { analyzeImage } = await import("../src/pipeline/analyze.ts");
  const { loadDetector, loadEmbedder } = await import("../src/pipeline/models.ts");
  const { DEFAULT_EMBEDDER, DEFAULT_FLIP } = await import("../src/cli/face_options.ts");
  const { DEFAULT_MAX_PIXELS } = await import("../src/image/decode.ts");
  const detector = await loadDetector("mtcnn");
  const embedder = await loadEmbedder({ kind: "builtin", name: DEFAULT_EMBEDDER });
  const runs: Record<string, number[]> = {};
  let faces: ChildResult["faces"] = [];
  for (let run = 0; run <= RUNS; run++) {
    const timings = { decode: 0, detect: 0, fullDecode: 0, embed: 0 };
    const cpuStart = cpuUsage();
    const start = performance.now();
    const bytes = await Deno.readFile(file);
    const read = performance.now() - start;
    const result = await analyzeImage(bytes, { detector, embedder }, {
      minFace: "auto",
      maxPixels: DEFAULT_MAX_PIXELS,
      pick: "all",
      flip: DEFAULT_FLIP,
      keepChips: false,
      reduceJpeg,
      timings,
    });
    const total = performance.now() - start;
    const { user, system } = cpuUsage(cpuStart);
    const cpu = (user + system) / 1000;
    if (run === 0) continue; // warm-up: WASM compilation, first tensors
    for (const [k, v] of Object.entries({ read, ...timings, total, cpu })) {
      (runs[k] ??= []).push(v);
    }
    faces = result.faces.map((f: AnalyzedFace) => ({ box: f.box, embedding: [...f.embedding!] }));
  }
  const status = Deno.readTextFileSync("/proc/self/status");
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const medians = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, round(median(v))]));
  const out: ChildResult = {
    mode: reduceJpeg ? "reduced" : "full",
    medians,
    peakRssMiB: round(hwm),
    faces,
  };
  console.log(JSON.stringify(out));
}

async function runChild(file: string, reduceJpeg: boolean): Promise<ChildResult> {
  const { stdout, success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--max-semi-space-size=4",
      new URL(import.meta.url).pathname,
      "--child",
      reduceJpeg ? "reduced" : "full",
      file,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") {
    await child(Deno.args[2], Deno.args[1] === "reduced");
  } else {
    const file = Deno.args[0] ?? DEFAULT_FILE;
    const reduced = await runChild(file, true);
    const full = await runChild(file, false);
    const comparison = full.faces.map((f) => {
      const center = (b: typeof f.box) => [b.x + b.width / 2, b.y + b.height / 2];
      const apart = (g: typeof f) =>
        Math.hypot(center(g.box)[0] - center(f.box)[0], center(g.box)[1] - center(f.box)[1]);
      const g = reduced.faces.reduce((best, x) => (apart(x) < apart(best) ? x : best));
      return {
        boxOffset: round(
          Math.max(
            ...(["x", "y", "width", "height"] as const).map((k) => Math.abs(f.box[k] - g.box[k])),
          ),
        ),
        distance: round(Math.hypot(...f.embedding.map((v, i) => v - g.embedding[i])), 4),
      };
    });
    const strip = ({ faces, ...rest }: ChildResult) => ({ ...rest, faces: faces.length });
    console.log(JSON.stringify({ file, reduced: strip(reduced), full: strip(full), comparison }));
  }
}
