/**
 * Runs the image pipeline on several cores: a pool of workers (image_worker.ts), each with its own
 * single-threaded WASM backend and models, fed one image at a time from a shared queue. With one
 * job the pipeline runs in-process instead (no worker start-up). `mapOrdered` keeps the pool busy
 * while handing results back in input order, so output is the same for any number of jobs.
 */
import type { FaceEmbedder } from "../types.ts";
import type { EmbedderChoice } from "../embed/catalog.ts";
import { type AnalyzedImage, analyzeImage, type AnalyzeOptions } from "./analyze.ts";
import { type DetectorName, loadDetector, loadEmbedder } from "./models.ts";
import { PixelScratch } from "../image/pixel_scratch.ts";

/** Which models to load. */
export interface ModelChoice {
  detector: DetectorName;
  /** Load the embedder too (detect-only commands do not). */
  embed: boolean;
  /** Which embedder. */
  embedder: EmbedderChoice;
}

/** What identifies an embedder's vectors (stamped into galleries and models). */
export type EmbedderInfo = Pick<FaceEmbedder, "name" | "hash" | "size">;

/** Analyses images, in-process or on a pool of workers. */
export interface Analyzer {
  /** Images analysed at once. */
  readonly jobs: number;
  /** The embedder's identity, when one was loaded. */
  readonly embedder?: EmbedderInfo;
  /** Decodes, detects and (with an embedder) embeds one image; rejects with the pipeline's error. */
  analyze(bytes: Uint8Array, options: AnalyzeOptions): Promise<AnalyzedImage>;
  /** Stops the workers. */
  close(): void;
}

/** A message to a worker. */
export type WorkerRequest =
  | { type: "init"; detector: DetectorName; embed: boolean; embedder: EmbedderChoice }
  | { type: "analyze"; id: number; bytes: Uint8Array; options: AnalyzeOptions };

/** A message from a worker. */
export type WorkerReply =
  | { type: "ready"; embedder?: EmbedderInfo }
  | { type: "failed"; message: string }
  | { type: "result"; id: number; result: AnalyzedImage }
  | { type: "error"; id: number; message: string };

/** The default number of jobs: one per core. */
export function defaultJobs(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/**
 * An analyzer for `jobs` images at a time: in-process for one job, otherwise that many workers.
 * Rejects (after stopping any started workers) when the models cannot be loaded.
 *
 * @example
 * const analyzer = await createAnalyzer({ detector: "mtcnn", embed: true }, 2);
 * try { console.log((await analyzer.analyze(bytes, options)).faces.length); }
 * finally { analyzer.close(); }
 */
export async function createAnalyzer(models: ModelChoice, jobs: number): Promise<Analyzer> {
  if (jobs <= 1) return await inProcess(models);
  return await workerPool(models, jobs);
}

async function inProcess(choice: ModelChoice): Promise<Analyzer> {
  const detector = await loadDetector(choice.detector);
  const embedder = choice.embed ? await loadEmbedder(choice.embedder) : undefined;
  // One image at a time, as in a worker: callers may read ahead, images never interleave (so
  // they can share one decode buffer).
  let queue: Promise<unknown> = Promise.resolve();
  const scratch = new PixelScratch();
  return {
    jobs: 1,
    embedder: embedder && { name: embedder.name, hash: embedder.hash, size: embedder.size },
    analyze(bytes, options) {
      const result = queue.then(() =>
        analyzeImage(bytes, { detector, embedder }, options, scratch)
      );
      queue = result.catch(() => {});
      return result;
    },
    close() {},
  };
}

interface Job {
  id: number;
  bytes: Uint8Array;
  options: AnalyzeOptions;
  resolve(result: AnalyzedImage): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/** A worker with its models loaded. */
interface StartedWorker {
  worker: Worker;
  embedder?: EmbedderInfo;
}

/** Starts a worker and loads its models; rejects (with the worker stopped) when that fails. */
async function startWorker(choice: ModelChoice): Promise<StartedWorker> {
  const worker = new Worker(new URL("./image_worker.ts", import.meta.url), { type: "module" });
  try {
    return await new Promise<StartedWorker>((resolve, reject) => {
      worker.onmessage = ({ data }: MessageEvent<WorkerReply>) => {
        if (data.type === "ready") resolve({ worker, embedder: data.embedder });
        else if (data.type === "failed") reject(new Error(data.message));
      };
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
      const init: WorkerRequest = {
        type: "init",
        detector: choice.detector,
        embed: choice.embed,
        embedder: choice.embedder,
      };
      worker.postMessage(init);
    });
  } catch (error) {
    worker.terminate();
    throw error;
  }
}

async function workerPool(choice: ModelChoice, jobs: number): Promise<Analyzer> {
  const started = await Promise.allSettled(
    Array.from({ length: jobs }, () => startWorker(choice)),
  );
  const workers: StartedWorker[] = [];
  let failure: unknown = null;
  for (const s of started) {
    if (s.status === "fulfilled") workers.push(s.value);
    else failure ??= s.reason;
  }
  if (failure) {
    for (const { worker } of workers) worker.terminate();
    throw failure;
  }
  const embedder = workers[0].embedder;
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 0;
  let closed = false;

  const dispatch = (slot: Slot) => {
    const job = queue.shift();
    slot.job = job ?? null;
    if (!job) return;
    const request: WorkerRequest = {
      type: "analyze",
      id: job.id,
      bytes: job.bytes,
      options: job.options,
    };
    slot.worker.postMessage(request);
  };

  const attach = (slot: Slot) => {
    slot.worker.onmessage = ({ data }: MessageEvent<WorkerReply>) => {
      const job = slot.job;
      if (!job || (data.type !== "result" && data.type !== "error") || data.id !== job.id) return;
      if (data.type === "result") job.resolve(data.result);
      else job.reject(new Error(data.message));
      dispatch(slot);
    };
    // A worker that dies (e.g. out of memory) fails its image and is replaced.
    slot.worker.onerror = (event) => {
      event.preventDefault();
      slot.worker.terminate();
      slot.job?.reject(new Error(event.message || "worker failed"));
      slot.job = null;
      if (closed) return;
      startWorker(choice).then(({ worker }) => {
        if (closed) return worker.terminate();
        slot.worker = worker;
        attach(slot);
        dispatch(slot);
      }, (error: Error) => {
        for (const job of queue.splice(0)) job.reject(error);
      });
    };
  };

  for (const { worker } of workers) {
    const slot: Slot = { worker, job: null };
    slots.push(slot);
    attach(slot);
  }

  return {
    jobs,
    embedder,
    analyze(bytes, options) {
      if (closed) return Promise.reject(new Error("analyzer closed"));
      return new Promise<AnalyzedImage>((resolve, reject) => {
        queue.push({ id: nextId++, bytes, options, resolve, reject });
        const idle = slots.find((s) => !s.job);
        if (idle) dispatch(idle);
      });
    },
    close() {
      closed = true;
      for (const slot of slots) slot.worker.terminate();
      for (const job of queue.splice(0)) job.reject(new Error("analyzer closed"));
    },
  };
}

/** One item's outcome from {@link mapOrdered}. */
export type Outcome<T, R> =
  | { item: T; index: number; ok: true; value: R }
  | { item: T; index: number; ok: false; error: Error };

/**
 * Runs `fn` on `items` (an array or a stream) with up to `window` calls in flight, started in input
 * order, and yields every outcome in input order (a rejection becomes `ok: false`; the iteration
 * goes on). Items are pulled from the source only as room frees up, so a stream of millions is
 * never held whole, and finished outcomes are yielded while the source is still waited for. An
 * error thrown by the source itself ends the iteration with that error, after the outcomes of the
 * items already pulled.
 *
 * @example
 * for await (const o of mapOrdered(paths, 4, (p) => analyzer.analyze(Deno.readFileSync(p), opts))) {
 *   console.log(o.item, o.ok ? o.value.faces.length : o.error.message);
 * }
 */
export async function* mapOrdered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  window: number,
  fn: (item: T, index: number) => Promise<R>,
): AsyncGenerator<Outcome<T, R>> {
  const limit = Math.max(1, window);
  const source = Symbol.asyncIterator in items
    ? items[Symbol.asyncIterator]()
    : items[Symbol.iterator]();
  const pending: Promise<Outcome<T, R>>[] = [];
  let exhausted = false, stopped = false;
  let sourceError: { error: unknown } | null = null;
  const wake: { consumer?: () => void; feeder?: () => void } = {};
  const notify = (who: "consumer" | "feeder") => {
    const resolve = wake[who];
    wake[who] = undefined;
    resolve?.();
  };
  const start = (item: T, index: number): Promise<Outcome<T, R>> =>
    new Promise<R>((resolve) => resolve(fn(item, index))).then(
      (value): Outcome<T, R> => ({ item, index, ok: true, value }),
      (e): Outcome<T, R> => ({
        item,
        index,
        ok: false,
        error: e instanceof Error ? e : new Error(String(e)),
      }),
    );
  const feed = async () => {
    try {
      for (let index = 0; !stopped; index++) {
        while (pending.length >= limit && !stopped) {
          await new Promise<void>((resolve) => wake.feeder = resolve);
        }
        if (stopped) {
          await source.return?.(); // the consumer stopped early: let the source clean up
          break;
        }
        const next = await source.next();
        if (next.done) break;
        pending.push(start(next.value, index));
        notify("consumer");
      }
    } catch (error) {
      sourceError = { error };
    }
    exhausted = true;
    notify("consumer");
  };
  feed();
  try {
    for (;;) {
      if (!pending.length) {
        if (exhausted) break;
        await new Promise<void>((resolve) => wake.consumer = resolve);
        continue;
      }
      const outcome = await pending[0];
      pending.shift();
      notify("feeder");
      yield outcome;
    }
    if (sourceError) throw (sourceError as { error: unknown }).error;
  } finally {
    stopped = true;
    notify("feeder");
  }
}
