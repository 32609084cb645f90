/** Reading a user-supplied model file with an error that names it. */

/**
 * The bytes of `path`; throws `<path>: cannot read <what>: file not found` (or the system's
 * reason) when it cannot be read.
 *
 * @example
 * const bytes = await readFileNamed("face.tflite", "the model");
 */
export async function readFileNamed(path: string, what: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
    throw new Error(`${path}: cannot read ${what}: ${reason}`);
  }
}
