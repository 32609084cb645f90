/**
 * `deno task fuzz`: mutated images through `decodeImage`, and a share of them through the full
 * detect path (decode + MTCNN, every 4th also aligned and embedded), looking for anything a user
 * must never see: an exception that is not an `ImageError`, a hang, a crash, a wrong-sized image,
 * leaked tensors, or a decoder left broken by a WASM trap.
 *
 * Usage:
 *   deno task fuzz -- [--seed N] [--count N] [--detect-count N] [--seconds N] [--timeout-ms N]
 *                      [--max-rss-mb N] [--formats webp,avif,...]
 *   deno task fuzz -- --seed N --only INDEX [--write FILE]     reproduce one input
 *
 * `--formats` keeps only the seeds of those formats (jpeg, png, gif, bmp, tiff, ico, webp, avif).
 * Inputs are reproducible from (seed, index, formats) alone (tests/robustness/fuzz_inputs.ts). The work runs
 * in a child process with exactly the binary's permissions; this supervisor restarts it after a
 * crash, an input that takes longer than --timeout-ms (3× that on the detect path) or a resident
 * memory above --max-rss-mb (all recorded as findings), and goes on
 * with the next index. Prints each finding with its reproduction command, then one summary line.
 * Exit code: 0 no findings, 1 findings, 2 usage error.
 */
import { parseArgs } from "node:util";
import { ImageError } from "../src/image/errors.ts";
import { decodeImage, DEFAULT_MAX_PIXELS, prepareDecoder } from "../src/image/decode.ts";
import {
  buildSeeds,
  fixtureSeeds,
  type FuzzInput,
  fuzzInput,
  type Seed,
} from "../tests/robustness/fuzz_inputs.ts";
import { RUN_FLAGS } from "./permissions.ts";

const SAMPLE = new URL("../tests/fixtures/npm/sample1.jpg", import.meta.url);
const FORMAT_FIXTURES = new URL("../tests/fixtures/formats/", import.meta.url);

/** What happened to one input. */
type Outcome =
  | "ok" // decoded (and detected) with a valid result
  | "rejected" // ImageError from the decoder's own checks
  | "trap" // ImageError wrapping a WASM trap or WASM memory exhaustion
  | "masked" // ImageError wrapping a JavaScript exception (a decoder bug hidden by guardTrap)
  | "finding";

/** One line of the child's report. */
interface Report {
  i: number;
  outcome: Outcome;
  ms: number;
  detect: boolean;
  seed: string;
  message?: string;
  finding?: string;
  rss: number;
}

interface Options {
  seed: number;
  count: number;
  detectCount: number;
  seconds: number;
  timeoutMs: number;
  /** A child above this resident memory is killed and the input recorded as a finding. */
  maxRssMb: number;
  /** Only seeds of these formats (all when empty). */
  formats: string[];
}

/** Exactly `detectCount` of `count` indices, spread evenly, take the detect path. */
function isDetect(i: number, o: Options): boolean {
  return Math.floor(((i + 1) * o.detectCount) / o.count) >
    Math.floor((i * o.detectCount) / o.count);
}

function checksum(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193);
  return h >>> 0;
}

function firstLine(error: unknown): string {
  const e = error as Error;
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(error);
  const frame = e instanceof Error ? e.stack?.split("\n").find((l) => l.includes("/src/")) : "";
  return `${text.split("\n")[0]}${frame ? ` ${frame.trim()}` : ""}`;
}

/** Tells an ImageError's cause apart: WASM trouble is expected on garbage, a JS exception is not. */
function classify(error: unknown): { outcome: Outcome; message: string; finding?: string } {
  if (!(error instanceof ImageError)) {
    return { outcome: "finding", message: firstLine(error), finding: "exception" };
  }
  const cause = error.cause;
  if (cause === undefined) return { outcome: "rejected", message: error.message };
  const wasmMemory = cause instanceof RangeError && /WebAssembly|memory/i.test(cause.message);
  if (cause instanceof WebAssembly.RuntimeError || wasmMemory) {
    return { outcome: "trap", message: `${error.message} (${firstLine(cause)})` };
  }
  return { outcome: "masked", message: `${error.message} <- ${firstLine(cause)}` };
}

/** The loaded models and the canary results that show the pipeline still works after a failure. */
interface DetectKit {
  analyze: (bytes: Uint8Array, embed: boolean) => Promise<{ faces: number; valid: boolean }>;
  numTensors: () => number;
  canary: { bytes: Uint8Array; faces: number };
}

async function loadDetectKit(seeds: Seed[]): Promise<DetectKit> {
  const tf = await import("@tensorflow/tfjs-core");
  const { loadDetector, loadEmbedder } = await import("../src/pipeline/models.ts");
  const { analyzeImage } = await import("../src/pipeline/analyze.ts");
  const detector = await loadDetector("mtcnn");
  const { DEFAULT_EMBEDDER } = await import("../src/cli/face_options.ts");
  const embedder = await loadEmbedder({ kind: "builtin", name: DEFAULT_EMBEDDER });
  const analyze = async (bytes: Uint8Array, embed: boolean) => {
    const result = await analyzeImage(bytes, { detector, embedder: embed ? embedder : undefined }, {
      minFace: "auto",
      maxPixels: DEFAULT_MAX_PIXELS,
      pick: "all",
      flip: false,
      keepChips: false,
    });
    const finite = (v: number) => Number.isFinite(v);
    const valid = result.faces.every((f) =>
      [f.box.x, f.box.y, f.box.width, f.box.height, f.score].every(finite) &&
      Object.values(f.landmarks).every((p) => p.every(finite)) &&
      (!embed || (f.embedding?.length === embedder.size && f.embedding.every(finite)))
    );
    return { faces: result.faces.length, valid };
  };
  const bytes = seeds.find((s) => s.faces)!.bytes;
  return {
    analyze,
    numTensors: () => tf.memory().numTensors,
    canary: { bytes, faces: (await analyze(bytes, true)).faces },
  };
}

/** Input `i` of the run: detect-path inputs start from the face photos more often. */
function inputFor(i: number, o: Options, seeds: Seed[], kit: DetectKit | null): FuzzInput {
  return fuzzInput(seeds, o.seed, i, isDetect(i, o) && kit !== null);
}

/** Runs input `i` in this process and returns its report. */
async function runInput(
  i: number,
  input: FuzzInput,
  o: Options,
  seeds: Seed[],
  canaries: Map<string, number>,
  kit: DetectKit | null,
): Promise<Report> {
  const detect = isDetect(i, o) && kit !== null;
  const report = (outcome: Outcome, extra: Partial<Report> = {}): Report => ({
    i,
    outcome,
    ms: Math.round(performance.now() - start),
    detect,
    seed: input.seed.name,
    rss: Deno.memoryUsage().rss,
    ...extra,
  });
  const start = performance.now();
  if (detect) {
    const before = kit.numTensors();
    let result: Report;
    try {
      const { valid } = await kit.analyze(input.bytes, i % 4 === 0);
      result = valid ? report("ok") : report("finding", {
        finding: "bad-output",
        message: "non-finite box, landmark or embedding",
      });
    } catch (error) {
      const c = classify(error);
      result = report(c.outcome, { message: c.message, finding: c.finding });
    }
    const after = kit.numTensors();
    if (after !== before) {
      return report("finding", {
        finding: "tensor-leak",
        message: `numTensors ${before} -> ${after}`,
      });
    }
    if (result.outcome !== "ok" && result.outcome !== "rejected") {
      const again = await kit.analyze(kit.canary.bytes, true).catch(() => ({ faces: -1 }));
      if (again.faces !== kit.canary.faces) {
        return report("finding", {
          finding: "broken-after-failure",
          message:
            `canary found ${again.faces} faces, expected ${kit.canary.faces} (after: ${result.message})`,
        });
      }
    }
    return result;
  }
  try {
    await prepareDecoder(input.bytes);
    const image = decodeImage(input.bytes);
    const { width, height, data } = image;
    const valid = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 &&
      width * height <= DEFAULT_MAX_PIXELS && data instanceof Uint8Array &&
      data.length === width * height * 3;
    return valid ? report("ok") : report("finding", {
      finding: "bad-output",
      message: `${width}x${height} with ${data?.length} bytes`,
    });
  } catch (error) {
    const c = classify(error);
    if (c.outcome === "trap" || c.outcome === "masked") {
      const canary = seeds.find((s) => s.format === input.seed.format)!;
      let sum = -1;
      try {
        await prepareDecoder(canary.bytes);
        sum = checksum(decodeImage(canary.bytes).data);
      } catch { /* reported below */ }
      if (sum !== canaries.get(canary.name)) {
        return report("finding", {
          finding: "broken-after-trap",
          message: `${canary.name} no longer decodes the same after: ${c.message}`,
        });
      }
    }
    return report(c.outcome, { message: c.message, finding: c.finding });
  }
}

async function prepare(o: Options, detect: boolean) {
  const all = [
    ...buildSeeds(await Deno.readFile(SAMPLE)),
    ...fixtureSeeds((name) => Deno.readFileSync(new URL(name, FORMAT_FIXTURES))),
  ];
  const seeds = o.formats.length ? all.filter((s) => o.formats.includes(s.format)) : all;
  if (seeds.length === 0) throw new Error(`no seeds of format ${o.formats.join(", ")}`);
  const canaries = new Map<string, number>();
  for (const s of seeds) {
    await prepareDecoder(s.bytes);
    canaries.set(s.name, checksum(decodeImage(s.bytes).data));
  }
  const kit = detect && o.detectCount > 0 ? await loadDetectKit(seeds) : null;
  return { seeds, canaries, kit };
}

/** Child mode: inputs `from`..count-1 (stopping at `deadline`), one JSON line each on stdout. */
async function runChild(o: Options, from: number, deadline: number): Promise<void> {
  const { seeds, canaries, kit } = await prepare(o, true);
  const out = (value: unknown) =>
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(value) + "\n"));
  out({ ready: true });
  for (let i = from; i < o.count && Date.now() < deadline; i++) {
    const input = inputFor(i, o, seeds, kit);
    out({ start: i, seed: input.seed.name });
    out(await runInput(i, input, o, seeds, canaries, kit));
  }
}

/** A finding as printed, with the command that reproduces it. */
function describeFinding(
  o: Options,
  r: Pick<Report, "i" | "finding" | "message" | "seed" | "detect">,
): string {
  return `FINDING ${r.finding} seed=${o.seed} index=${r.i} (${
    r.detect ? "detect" : "decode"
  }, from ${r.seed}): ${r.message}\n` +
    `  reproduce: deno task fuzz -- ${optionArgs(o).join(" ")} --only ${r.i} --write input.bin`;
}

/** Runs the child processes, restarting after crashes and timeouts; prints findings and a summary. */
async function supervise(o: Options): Promise<number> {
  const started = Date.now();
  const deadline = o.seconds > 0 ? started + o.seconds * 1000 : Infinity;
  const counts: Record<Outcome, number> = { ok: 0, rejected: 0, trap: 0, masked: 0, finding: 0 };
  const masked = new Map<string, number>();
  const messages = new Map<string, number>();
  const slowest: Report[] = [];
  let done = 0, detected = 0, peakRss = 0, peakAt = -1, next = 0, restarts = 0;
  const find = (r: Pick<Report, "i" | "finding" | "message" | "seed" | "detect">) => {
    counts.finding++;
    console.log(describeFinding(o, r));
  };
  while (next < o.count && Date.now() < deadline) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...RUN_FLAGS,
        new URL(import.meta.url).pathname,
        "--child",
        "--from",
        String(next),
        "--deadline",
        String(deadline),
        ...optionArgs(o),
      ],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let current: number | null = null;
    let currentSeed = "";
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, ms);
    };
    arm(120_000); // start-up: seeds and models
    let overMemory = 0;
    let watching = true;
    const watchMemory = (async () => {
      while (watching) {
        const rss = await processRss(child.pid);
        if (rss > peakRss) [peakRss, peakAt] = [rss, current ?? -1];
        if (rss > o.maxRssMb * 2 ** 20 && !overMemory) {
          overMemory = rss;
          child.kill("SIGKILL");
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        if ("start" in line) {
          current = line.start;
          currentSeed = line.seed;
          arm(isDetect(line.start, o) ? o.timeoutMs * 3 : o.timeoutMs);
          continue;
        }
        if (!("outcome" in line)) continue;
        const r = line as Report;
        current = null;
        next = r.i + 1;
        done++;
        if (r.detect) detected++;
        if (r.rss > peakRss) [peakRss, peakAt] = [r.rss, r.i];
        if (r.outcome === "finding") find(r);
        else counts[r.outcome]++;
        if (r.outcome === "masked") masked.set(r.message!, (masked.get(r.message!) ?? 0) + 1);
        if (r.outcome === "rejected" || r.outcome === "trap") {
          const key = r.message!.replace(/\d+/g, "N");
          messages.set(key, (messages.get(key) ?? 0) + 1);
        }
        if (done % 5000 === 0) {
          console.error(`fuzz: ${done} inputs, ${counts.finding} findings, ${elapsed(started)}`);
        }
        slowest.push(r);
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, 5);
      }
    }
    clearTimeout(timer);
    watching = false;
    const status = await child.status;
    await watchMemory;
    const errors = (await stderr).trim();
    if (current !== null) {
      const detect = isDetect(current, o);
      const what = overMemory
        ? { finding: "memory", message: `RSS reached ${mb(overMemory)} MB (limit ${o.maxRssMb})` }
        : timedOut
        ? {
          finding: "hang",
          message: `no result within ${detect ? o.timeoutMs * 3 : o.timeoutMs} ms`,
        }
        : {
          finding: "crash",
          message: `child exited with ${status.signal ?? status.code}: ${
            errors.split("\n").slice(-3).join(" | ")
          }`,
        };
      find({ i: current, seed: currentSeed, detect, ...what });
      done++;
      next = current + 1;
      restarts++;
    } else if (!status.success) {
      console.error(`fuzz: child failed before any input (exit ${status.code}):\n${errors}`);
      return 2;
    } else if (next < o.count && Date.now() < deadline) {
      console.error(`fuzz: child stopped early at ${next}:\n${errors}`);
      return 2;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  if (masked.size) {
    console.log("JavaScript exceptions inside decoders (shown to the user as ImageError):");
    for (const [m, n] of masked) console.log(`  ${n}× ${m}`);
  }
  console.log("most common rejections:");
  for (const [m, n] of [...messages].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${n}× ${m}`);
  }
  console.log(
    `slowest: ${
      slowest.map((r) =>
        `#${r.i} ${r.ms} ms (${r.detect ? "detect" : "decode"} ${r.seed}: ${r.outcome})`
      ).join(", ")
    }`,
  );
  const stopped = done < o.count ? ` (time limit after ${done} of ${o.count})` : "";
  console.log(
    `fuzz: seed=${o.seed} inputs=${done}${stopped} decode=${done - detected} detect=${detected} ` +
      `ok=${counts.ok} rejected=${counts.rejected} traps=${counts.trap} masked=${counts.masked} ` +
      `findings=${counts.finding} restarts=${restarts} time=${seconds.toFixed(1)}s ` +
      `peakRSS=${mb(peakRss)}MB (#${peakAt})`,
  );
  return counts.finding ? 1 : 0;
}

/**
 * Resident memory of process `pid` in bytes, from `ps` (Deno reads /proc/<pid> only with
 * --allow-all); 0 when it has exited or `ps` is unavailable.
 */
async function processRss(pid: number): Promise<number> {
  try {
    const { stdout } = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] })
      .output();
    return Number(new TextDecoder().decode(stdout).trim() || 0) * 1024;
  } catch {
    return 0;
  }
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

function optionArgs(o: Options): string[] {
  return [
    "--seed",
    String(o.seed),
    "--count",
    String(o.count),
    "--detect-count",
    String(o.detectCount),
    "--timeout-ms",
    String(o.timeoutMs),
    ...(o.formats.length ? ["--formats", o.formats.join(",")] : []),
  ];
}

/** Reproduces one input: prints its mutations and outcome; `--write` saves the bytes. */
async function runOnly(o: Options, index: number, write: string | undefined): Promise<number> {
  const { seeds, canaries, kit } = await prepare(o, isDetect(index, o));
  const input = inputFor(index, o, seeds, kit);
  console.log(
    `input ${index}: ${input.bytes.length} bytes from ${input.seed.name}; ${
      input.steps.join("; ")
    }`,
  );
  if (write) await Deno.writeFile(write, input.bytes);
  const r = await runInput(index, input, o, seeds, canaries, kit);
  console.log(JSON.stringify(r));
  return r.outcome === "finding" ? 1 : 0;
}

function number(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    throw new Error(`--${flag} expects a number >= 0, got "${text}"`);
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : argv,
    options: {
      seed: { type: "string" },
      count: { type: "string" },
      "detect-count": { type: "string" },
      seconds: { type: "string" },
      "timeout-ms": { type: "string" },
      "max-rss-mb": { type: "string" },
      formats: { type: "string" },
      only: { type: "string" },
      write: { type: "string" },
      child: { type: "boolean" },
      from: { type: "string" },
      deadline: { type: "string" },
    },
  });
  const count = number(values.count, 10_000, "count");
  const o: Options = {
    seed: number(values.seed, 1, "seed"),
    count,
    detectCount: Math.min(
      count,
      number(values["detect-count"], Math.round(count / 20), "detect-count"),
    ),
    seconds: number(values.seconds, 0, "seconds"),
    timeoutMs: number(values["timeout-ms"], 10_000, "timeout-ms"),
    maxRssMb: number(values["max-rss-mb"], 3072, "max-rss-mb"),
    formats: values.formats ? values.formats.split(",") : [],
  };
  if (values.child) {
    await runChild(o, number(values.from, 0, "from"), Number(values.deadline ?? Infinity));
    return 0;
  }
  if (values.only !== undefined) {
    return await runOnly(o, number(values.only, 0, "only"), values.write);
  }
  return await supervise(o);
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`fuzz: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
