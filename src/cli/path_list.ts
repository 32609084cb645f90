/**
 * `--files-from`: paths read one by one from a list file or stdin, newline- or NUL-separated
 * (`find -print0`), streamed so that a list of millions starts at once and is never held whole.
 */

/**
 * Yields the paths of the list at `source` (`-` for stdin) as they arrive. Newline-separated lists
 * drop a trailing `\r` (lists written on Windows); empty entries are skipped.
 *
 * @example
 * for await (const path of readPathList("-", true)) console.log(path); // find . -print0 | …
 */
export async function* readPathList(source: string, nul: boolean): AsyncGenerator<string> {
  const separator = nul ? "\0" : "\n";
  const stream = source === "-" ? Deno.stdin.readable : (await openList(source)).readable;
  const decoder = new TextDecoder();
  let carry = "";
  for await (const chunk of stream) {
    carry += decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = carry.indexOf(separator)) >= 0) {
      const entry = clean(carry.slice(0, at), nul);
      carry = carry.slice(at + 1);
      if (entry) yield entry;
    }
  }
  const last = clean(carry + decoder.decode(), nul);
  if (last) yield last;
}

function clean(entry: string, nul: boolean): string {
  return !nul && entry.endsWith("\r") ? entry.slice(0, -1) : entry;
}

async function openList(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true });
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new Error(`--files-from ${path}: ${reason}`);
  }
}
