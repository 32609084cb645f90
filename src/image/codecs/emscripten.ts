/**
 * Starts an Emscripten-built codec (the jSquash packages) from WASM bytes we hold: no fetch, no
 * file read. Each codec is instantiated once and kept while its memory stays small.
 */

/** A started Emscripten module: its exports plus the linear memory it decodes into. */
export interface StartedCodec<M> {
  module: M;
  memory: WebAssembly.Memory;
}

/**
 * Instantiates `factory` (an Emscripten `MODULARIZE` factory) on `wasm` through its
 * `instantiateWasm` hook, so the glue never fetches its `.wasm` file.
 *
 * @example
 * const { module } = await startEmscripten(webpFactory, compiledWebp);
 */
export async function startEmscripten<M>(
  factory: (options: Record<string, unknown>) => Promise<M>,
  wasm: WebAssembly.Module,
): Promise<StartedCodec<M>> {
  let memory: WebAssembly.Memory | null = null;
  const module = await factory({
    noInitialRun: true,
    instantiateWasm(
      imports: WebAssembly.Imports,
      done: (instance: WebAssembly.Instance) => void,
    ) {
      const instance = new WebAssembly.Instance(wasm, imports);
      memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory) ??
        null;
      done(instance);
      return instance.exports;
    },
  });
  if (!memory) throw new Error("codec exports no memory");
  return { module, memory };
}

/**
 * A codec kept between images: started on first use, dropped after a throw (an aborted
 * Emscripten runtime cannot be used again) or once its memory exceeds `maxBytes` (the memory of
 * a WASM instance never shrinks; dropping it lets a large image's pixels be freed).
 */
export class KeptCodec<M> {
  #started: StartedCodec<M> | null = null;
  #wasm: WebAssembly.Module | null = null;

  /** `bytes`: the codec's WASM; `factory`: its Emscripten glue. */
  constructor(
    private readonly bytes: Uint8Array<ArrayBuffer>,
    private readonly factory: (options: Record<string, unknown>) => Promise<M>,
    private readonly maxBytes: number,
  ) {}

  /** Starts the codec if it is not running (compiling its WASM the first time). */
  async ready(): Promise<void> {
    if (this.#started) return;
    this.#wasm ??= new WebAssembly.Module(this.bytes);
    this.#started = await startEmscripten(this.factory, this.#wasm);
  }

  /** True when {@link ready} has started the codec and nothing dropped it since. */
  get isReady(): boolean {
    return this.#started !== null;
  }

  /**
   * Runs `fn` on the started codec. Throws when it is not started; drops it after a throw or
   * when its memory grew past the limit.
   */
  use<T>(fn: (module: M) => T): T {
    const started = this.#started;
    if (!started) throw new Error("codec not started");
    try {
      const result = fn(started.module);
      if (started.memory.buffer.byteLength > this.maxBytes) this.#started = null;
      return result;
    } catch (error) {
      this.#started = null;
      throw error;
    }
  }
}
