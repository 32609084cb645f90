/**
 * `deno task memory`: checks for leaks over a long batch. One process decodes, detects and embeds
 * `--count` images (default 1000: the six npm sample photos resized to `--width` px as PNG and
 * JPEG, and every `--full-every`-th one the original 1920 px JPEG) and reports resident memory —
 * after the models load, after a warm-up, at the end, and the peak (sampled every 20 ms from
 * another thread, so synchronous decoding and inference do not hide it) — and
 * `tf.memory().numTensors` at the start and end, which must be equal.
 *
 * Usage: deno task memory -- [--count N] [--width PX] [--full-every N] [--warm-up N]
 * Exit code: 0 when tensors return to their baseline after every image and memory does not grow
 * by more than 64 MB from the warm-up to the end; 1 otherwise.
 */
import { parseArgs } from "node:util";

const SAMPLES = new URL("../tests/fixtures/npm/", import.meta.url);
const MB = 2 ** 20;

interface Settings {
  count: number;
  width: number;
  fullEvery: number;
  warmUp: number;
}

type Message =
  | { type: "ready"; numTensors: number; images: string[] }
  | { type: "image"; index: number; numTensors: number; faces: number; ms: number }
  | { type: "done" };

/** Worker side: loads the models and runs every image through decode, detect and embed. */
async function work(settings: Settings, post: (message: Message) => void): Promise<void> {
  const tf = await import("@tensorflow/tfjs-core");
  const { decodeImage, resizeBilinear, DEFAULT_MAX_PIXELS } = await import(
    "../src/image/decode.ts"
  );
  const { encodePng } = await import("../src/image/encode_png.ts");
  const { writeJpeg, ycbcrPlanes } = await import("../tests/robustness/jpeg_writer.ts");
  const { loadDetector, loadEmbedder } = await import("../src/pipeline/models.ts");
  const { analyzeImage } = await import("../src/pipeline/analyze.ts");
  const detector = await loadDetector("mtcnn");
  const { DEFAULT_EMBEDDER } = await import("../src/cli/face_options.ts");
  const embedder = await loadEmbedder({ kind: "builtin", name: DEFAULT_EMBEDDER });

  const originals: { name: string; bytes: Uint8Array }[] = [];
  for (let n = 1; n <= 6; n++) {
    originals.push({
      name: `sample${n}.jpg`,
      bytes: Deno.readFileSync(new URL(`sample${n}.jpg`, SAMPLES)),
    });
  }
  const small = originals.flatMap(({ name, bytes }) => {
    const photo = decodeImage(bytes);
    const image = resizeBilinear(
      photo,
      settings.width,
      Math.round((settings.width * photo.height) / photo.width),
    );
    const jpeg = writeJpeg({
      width: image.width,
      height: image.height,
      planes: ycbcrPlanes(image),
      sampling: [[2, 2], [1, 1], [1, 1]],
    });
    return [
      { name: `${name} at ${settings.width} px (PNG)`, bytes: encodePng(image) },
      { name: `${name} at ${settings.width} px (JPEG)`, bytes: jpeg },
    ];
  });
  const pick = (i: number) =>
    settings.fullEvery > 0 && i % settings.fullEvery === settings.fullEvery - 1
      ? originals[Math.floor(i / settings.fullEvery) % originals.length]
      : small[i % small.length];

  post({
    type: "ready",
    numTensors: tf.memory().numTensors,
    images: [...originals, ...small].map((s) => s.name),
  });
  for (let index = 0; index < settings.count; index++) {
    const start = performance.now();
    const result = await analyzeImage(pick(index).bytes, { detector, embedder }, {
      minFace: "auto",
      maxPixels: DEFAULT_MAX_PIXELS,
      pick: "all",
      flip: false,
      keepChips: false,
    });
    post({
      type: "image",
      index,
      numTensors: tf.memory().numTensors,
      faces: result.faces.length,
      ms: performance.now() - start,
    });
  }
  post({ type: "done" });
}

/** Main side: starts the worker, samples RSS, prints the report. */
async function measure(settings: Settings): Promise<number> {
  const worker = new Worker(import.meta.url, { type: "module" });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  let baseline = -1, end = -1, changed = 0, faces = 0, full = 0;
  let rssReady = 0, rssWarm = 0;
  const times: number[] = [];
  await new Promise<void>((resolve, reject) => {
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.onmessage = ({ data }: MessageEvent<Message>) => {
      if (data.type === "ready") {
        baseline = data.numTensors;
        rssReady = Deno.memoryUsage().rss;
        console.log(`images: ${data.images.join(", ")}`);
      } else if (data.type === "image") {
        if (data.numTensors !== baseline) changed++;
        end = data.numTensors;
        faces += data.faces;
        times.push(data.ms);
        if (settings.fullEvery > 0 && data.index % settings.fullEvery === settings.fullEvery - 1) {
          full++;
        }
        if (data.index + 1 === settings.warmUp) rssWarm = Deno.memoryUsage().rss;
        if ((data.index + 1) % 100 === 0) {
          console.log(
            `${data.index + 1} images, RSS ${
              (Deno.memoryUsage().rss / MB).toFixed(0)
            } MB, numTensors ${data.numTensors}`,
          );
        }
      } else {
        resolve();
      }
    };
    worker.postMessage(settings);
  });
  const rssEnd = Deno.memoryUsage().rss;
  clearInterval(sampler);
  worker.terminate();
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const growth = rssEnd - rssWarm;
  console.log(
    `memory: ${settings.count} images (${
      settings.count - full
    } at ${settings.width} px, ${full} at full size), ` +
      `${faces} faces, ${seconds.toFixed(0)} s (median ${
        times[times.length >> 1].toFixed(0)
      } ms per image)`,
  );
  console.log(
    `  RSS: after model load ${
      (rssReady / MB).toFixed(0)
    } MB, after warm-up (${settings.warmUp} images) ` +
      `${(rssWarm / MB).toFixed(0)} MB, at the end ${(rssEnd / MB).toFixed(0)} MB, peak ${
        (peak / MB).toFixed(0)
      } MB ` +
      `(growth after warm-up ${(growth / MB).toFixed(0)} MB)`,
  );
  console.log(
    `  tf.memory().numTensors: start ${baseline}, end ${end}, images that changed it: ${changed}`,
  );
  const ok = changed === 0 && end === baseline && growth < 64 * MB;
  console.log(ok ? "memory: OK" : "memory: LEAK");
  return ok ? 0 : 1;
}

function positive(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`--${flag} expects a whole number, got "${text}"`);
  }
  return n;
}

const inWorker =
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";
if (inWorker) {
  const scope = self as unknown as Worker;
  scope.onmessage = ({ data }: MessageEvent<Settings>) => {
    work(data, (message) => scope.postMessage(message)).catch((error) => {
      throw error;
    });
  };
} else if (import.meta.main) {
  const argv = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: "string" },
      width: { type: "string" },
      "full-every": { type: "string" },
      "warm-up": { type: "string" },
    },
  });
  const count = positive(values.count, 1000, "count");
  const settings: Settings = {
    count,
    width: positive(values.width, 640, "width"),
    fullEvery: positive(values["full-every"], 10, "full-every"),
    warmUp: Math.min(count, positive(values["warm-up"], 100, "warm-up")),
  };
  Deno.exit(await measure(settings));
}
