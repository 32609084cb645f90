/**
 * Entry module of an analysis worker (see worker_pool.ts): loads the detector (and embedder) once,
 * on its own single-threaded WASM backend, then analyses the images it is sent one at a time and
 * posts each result, or the error's message, back with the job's id.
 */
import { analyzeImage } from "./analyze.ts";
import { loadDetector, loadEmbedder } from "./models.ts";
import type { WorkerReply, WorkerRequest } from "./worker_pool.ts";
import type { Detector, FaceEmbedder } from "../types.ts";
import { PixelScratch } from "../image/pixel_scratch.ts";

/** The parts of the worker global scope used here. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
let models: Promise<{ detector: Detector; embedder?: FaceEmbedder }> | null = null;
/** Decoded pixels, reused image after image (this worker analyses one at a time). */
const scratch = new PixelScratch();

/** Every distinct buffer under the result's pixel and embedding arrays, to transfer, not copy. */
function buffersOf(reply: WorkerReply): ArrayBuffer[] {
  if (reply.type !== "result") return [];
  const views = reply.result.faces.flatMap((f) => [f.embedding, f.chip?.data]);
  views.push(reply.result.image?.data);
  const buffers = new Set<ArrayBuffer>();
  for (const v of views) if (v && v.buffer instanceof ArrayBuffer) buffers.add(v.buffer);
  return [...buffers];
}

scope.onmessage = async ({ data: request }) => {
  let reply: WorkerReply;
  try {
    if (request.type === "init") {
      models = (async () => ({
        detector: await loadDetector(request.detector),
        embedder: request.embed ? await loadEmbedder(request.embedder) : undefined,
      }))();
      const { embedder } = await models;
      reply = {
        type: "ready",
        embedder: embedder && { name: embedder.name, hash: embedder.hash, size: embedder.size },
      };
    } else {
      if (!models) throw new Error("worker not initialised");
      reply = {
        type: "result",
        id: request.id,
        result: await analyzeImage(request.bytes, await models, request.options, scratch),
      };
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    reply = request.type === "init"
      ? { type: "failed", message }
      : { type: "error", id: request.id, message };
  }
  scope.postMessage(reply, buffersOf(reply));
};
