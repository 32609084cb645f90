/** Calls into imagescript's WASM codecs: one fresh instance per decode, bytes copied in. */
import { ImageError } from "./errors.ts";

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

/** Copies `length` bytes at `ptr` out of the instance's memory. */
export function copyOut(wasm: CodecExports, ptr: number, length: number): Uint8Array {
  return new Uint8Array(wasm.memory.buffer, ptr, length).slice();
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
