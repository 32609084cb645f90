/**
 * Calls into imagescript's WASM codecs, bytes copied in: one fresh instance per decode, or (for
 * the JPEG hot path) an instance reused while it stays small.
 */
import { ImageError } from "./errors.ts";
import type { PixelScratch } from "./pixel_scratch.ts";

/** The exports every imagescript codec has, plus its own functions. */
export type CodecExports = Record<string, (...args: number[]) => number> & {
  memory: WebAssembly.Memory;
};

/**
 * Instantiates `module` (a fresh linear memory per call, so a large image's memory is released
 * with the instance) and copies `bytes` into it. Returns the exports and the input pointer.
 */
export function instantiateWith(
  module: WebAssembly.Module,
  bytes: Uint8Array,
  imports: WebAssembly.Imports = {},
): { wasm: CodecExports; ptr: number } {
  const wasm = new WebAssembly.Instance(module, imports).exports as unknown as CodecExports;
  const ptr = wasm.walloc(bytes.length);
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  return { wasm, ptr };
}

/** Idle reusable instances, one per module. */
const idle = new WeakMap<WebAssembly.Module, CodecExports>();

/**
 * Runs `fn` on an instance of `module` reused from the previous call, or a fresh one. The
 * instance is kept for the next call only when `fn` returned normally and its memory is at most
 * `maxBytes`: a throw (a trap may leave it broken) or a large image's memory discards it. Each
 * fresh instance's memory is only freed when the garbage collector gets to it, which for a run of
 * photos let resident memory grow by the decoder's size per image; a reused one stays put.
 *
 * @example
 * const width = withReusedInstance(module, 64 << 20, (wasm) => wasm.decode_width(...));
 */
export function withReusedInstance<T>(
  module: WebAssembly.Module,
  maxBytes: number,
  fn: (wasm: CodecExports) => T,
): T {
  const wasm = idle.get(module) ??
    new WebAssembly.Instance(module, {}).exports as unknown as CodecExports;
  idle.delete(module);
  const result = fn(wasm);
  if (wasm.memory.buffer.byteLength <= maxBytes) idle.set(module, wasm);
  return result;
}

/** Copies `bytes` into memory the codec allocates; returns the pointer. */
export function copyIn(wasm: CodecExports, bytes: Uint8Array): number {
  const ptr = wasm.walloc(bytes.length);
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/**
 * Copies `length` bytes at `ptr` out of the instance's memory: into a fresh array, or into
 * `scratch`'s reused buffer when given.
 */
export function copyOut(
  wasm: CodecExports,
  ptr: number,
  length: number,
  scratch?: PixelScratch,
): Uint8Array {
  const bytes = new Uint8Array(wasm.memory.buffer, ptr, length);
  if (!scratch) return bytes.slice();
  const out = scratch.take(length);
  out.set(bytes);
  return out;
}

/**
 * Runs `fn`, turning a WASM trap (or any other throw that is not an {@link ImageError}) into an
 * `ImageError` with `message`, so no raw trap or stack reaches the user. The original error is
 * kept as `cause` (the fuzzer tells WASM traps from JavaScript bugs by it).
 */
export function guardTrap<T>(message: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new ImageError(message, { cause: error });
  }
}
