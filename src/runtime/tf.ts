/**
 * Starts TensorFlow.js on its WASM SIMD backend from the embedded `.wasm` bytes, so nothing is
 * read from disk or fetched at run time.
 */
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import wasmSimd from "../../models/tfjs-backend-wasm-simd.wasm" with { type: "bytes" };

const EMBEDDED_URL = "embedded:tfjs-backend-wasm-simd.wasm";
let ready: Promise<void> | null = null;

/**
 * Initialises the WASM backend once (single-threaded SIMD); later calls return the same promise.
 *
 * @example
 * await initTf();
 * const y = tf.add(tf.scalar(1), tf.scalar(2));
 */
export function initTf(): Promise<void> {
  ready ??= start();
  return ready;
}

async function start(): Promise<void> {
  setWasmPaths({
    "tfjs-backend-wasm.wasm": EMBEDDED_URL,
    "tfjs-backend-wasm-simd.wasm": EMBEDDED_URL,
    "tfjs-backend-wasm-threaded-simd.wasm": EMBEDDED_URL,
  }, true);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  const platform = tf.env().platform;
  const platformFetch = platform.fetch.bind(platform);
  platform.fetch = (path: string, init?: RequestInit) =>
    path === EMBEDDED_URL
      ? Promise.resolve(new Response(wasmSimd, { headers: { "content-type": "application/wasm" } }))
      : platformFetch(path, init);
  if (!await tf.setBackend("wasm")) throw new Error("could not start the tfjs WASM backend");
  await tf.ready();
}
