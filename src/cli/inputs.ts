/**
 * Turns the paths on a command line into the list of image inputs: files as given, directories
 * walked recursively (image extensions only, sorted, each real directory once so symlink loops end),
 * and `-` for one image on stdin.
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

function hasImageExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
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

async function* walk(dir: string, seen: Set<string>): AsyncGenerator<Input> {
  let real: string;
  let entries: Deno.DirEntry[];
  try {
    real = await Deno.realPath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    yield { kind: "error", path: dir, error: describe(e) };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      yield* walk(path, seen);
    } else if (entry.isSymlink) {
      try {
        const info = await Deno.stat(path);
        if (info.isDirectory) yield* walk(path, seen);
        else if (hasImageExtension(entry.name)) yield walked(path, info.isFile);
      } catch (e) {
        if (hasImageExtension(entry.name)) yield { kind: "error", path, error: describe(e) };
      }
    } else if (hasImageExtension(entry.name)) {
      yield walked(path, entry.isFile);
    }
  }
}

/**
 * Expands command-line paths into inputs, in order; problems become `error` inputs, never throws.
 *
 * @example
 * for await (const input of expandInputs(["photos/", "one.jpg", "-"])) console.log(input.path);
 */
export async function* expandInputs(paths: string[]): AsyncGenerator<Input> {
  const seen = new Set<string>();
  for (const path of paths) {
    if (path === "-") {
      yield { kind: "stdin", path: "-" };
      continue;
    }
    try {
      const info = await Deno.stat(path);
      if (info.isDirectory) yield* walk(path, seen);
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
