/**
 * Turns the paths on a command line (or in a `--files-from` list) into image inputs, lazily: files
 * as given, directories walked recursively (image extensions only, sorted, each real directory once
 * so symlink loops end, output folders left out), and `-` for one image on stdin. What a walk passes
 * over is counted in a {@link SkipTally} so the command can say so.
 */

/** File extensions picked up when walking a directory (explicit file arguments are always used). */
export const IMAGE_EXTENSIONS = [
  ".jpg",
  ".jpeg",
  ".png",
  ".gif",
  ".tif",
  ".tiff",
  ".bmp",
  ".ico",
  ".webp",
  ".avif",
  ".heic",
  ".heif",
];

/** One input: a path to read, or stdin (`-`), or a path that could not be listed. */
export type Input =
  | { kind: "file"; path: string }
  | { kind: "stdin"; path: "-" }
  | { kind: "error"; path: string; error: string };

/** Counts of what was passed over, by reason (e.g. "not an image file: .txt"). */
export type SkipTally = Map<string, number>;

/** Adds one to `reason` in `tally`. */
export function countSkip(tally: SkipTally, reason: string): void {
  tally.set(reason, (tally.get(reason) ?? 0) + 1);
}

/** How to walk: folders to leave out (this run's output folders) and where to count skips. */
export interface WalkOptions {
  /** Real paths of folders never walked into (e.g. `--annotate DIR`, `--crops DIR`). */
  exclude?: ReadonlySet<string>;
  /** Receives one count per file or folder passed over. */
  skipped?: SkipTally;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : "";
}

/** Whether a file name has one of the {@link IMAGE_EXTENSIONS} (any case). */
export function hasImageExtension(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extensionOf(name));
}

function describe(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file or directory";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.FilesystemLoop) return "symlink loop";
  return (e as Error).message ?? String(e);
}

/** A file found by walking: only regular files are read (a FIFO would block, a device never end). */
function walked(path: string, isFile: boolean): Input {
  return isFile ? { kind: "file", path } : { kind: "error", path, error: "not a regular file" };
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** The real path of `path`, or null when it does not exist (yet). */
export async function realPathOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.realPath(path);
  } catch {
    return null;
  }
}

class Walker {
  readonly seen = new Set<string>();
  constructor(readonly options: WalkOptions) {}

  skip(reason: string): void {
    if (this.options.skipped) countSkip(this.options.skipped, reason);
  }

  /** A non-image file met while walking. */
  skipFile(name: string): void {
    const ext = extensionOf(name);
    this.skip(`not an image file (${ext || "no extension"})`);
  }

  async *walk(dir: string): AsyncGenerator<Input> {
    let real: string;
    let entries: Deno.DirEntry[];
    try {
      real = await Deno.realPath(dir);
      if (this.seen.has(real)) return;
      this.seen.add(real);
      if (this.options.exclude?.has(real)) {
        this.skip("output folder of this run");
        return;
      }
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (e) {
      yield { kind: "error", path: dir, error: describe(e) };
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        yield* this.walk(path);
      } else if (entry.isSymlink) {
        yield* this.symlink(path, entry.name);
      } else if (hasImageExtension(entry.name)) {
        yield walked(path, entry.isFile);
      } else {
        this.skipFile(entry.name);
      }
    }
  }

  async *symlink(path: string, name: string): AsyncGenerator<Input> {
    try {
      const info = await Deno.stat(path);
      if (info.isDirectory) yield* this.walk(path);
      else if (hasImageExtension(name)) yield walked(path, info.isFile);
      else this.skipFile(name);
    } catch (e) {
      if (hasImageExtension(name)) yield { kind: "error", path, error: describe(e) };
      else this.skip("broken symlink");
    }
  }
}

/**
 * Expands paths (an array or a stream, e.g. a `--files-from` list) into inputs, in order, pulling
 * the next path only when the previous one is done; problems become `error` inputs, never throws.
 *
 * @example
 * for await (const input of expandInputs(["photos/", "one.jpg", "-"])) console.log(input.path);
 */
export async function* expandInputs(
  paths: Iterable<string> | AsyncIterable<string>,
  options: WalkOptions = {},
): AsyncGenerator<Input> {
  const walker = new Walker(options);
  for await (const path of paths) {
    if (path === "-") {
      yield { kind: "stdin", path: "-" };
      continue;
    }
    try {
      const info = await Deno.stat(path);
      if (info.isDirectory) yield* walker.walk(path);
      else yield { kind: "file", path };
    } catch (e) {
      yield { kind: "error", path, error: describe(e) };
    }
  }
}

/** Reads an input's bytes (stdin read to the end). Throws with a short reason on failure. */
export async function readInput(input: Input): Promise<Uint8Array<ArrayBuffer>> {
  if (input.kind === "error") throw new Error(input.error);
  try {
    if (input.kind === "stdin") {
      return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
    }
    const info = await Deno.stat(input.path);
    if (info.isDirectory) throw new Error("is a directory");
    return await Deno.readFile(input.path);
  } catch (e) {
    throw new Error(describe(e));
  }
}
