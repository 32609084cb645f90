/** Crash-safe file replacement: after a crash at any instant the file is the old or the new one. */
import { basename, dirname, join } from "node:path";

/**
 * Replaces `path` with `data` atomically: writes a temp file in the same directory, fsyncs it,
 * renames it over the target, then fsyncs the directory where the OS allows. A symlink target is
 * followed (the file it points at is replaced) and an existing file's permission bits are kept.
 * Needs only --allow-read and --allow-write.
 *
 * @example
 * await writeFileAtomic("model.json", JSON.stringify(model));
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const target = await resolveTarget(path);
  const directory = dirname(target);
  const temp = join(directory, `.${basename(target)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const file = await Deno.open(temp, { write: true, createNew: true });
  try {
    try {
      for (let offset = 0; offset < bytes.length;) {
        offset += await file.write(bytes.subarray(offset));
      }
      const mode = await existingMode(target);
      if (mode !== null) await Deno.chmod(temp, mode);
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, target);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(directory);
}

async function resolveTarget(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return path;
    throw error;
  }
}

async function existingMode(path: string): Promise<number | null> {
  try {
    const { mode } = await Deno.stat(path);
    return mode === null ? null : mode & 0o7777;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Makes the rename durable. Opening a directory fails on Windows and some filesystems refuse
 * fsync on a directory; the data itself is already synced, so those cases are skipped.
 */
async function syncDirectory(directory: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  try {
    using handle = await Deno.open(directory, { read: true });
    await handle.sync();
  } catch {
    // not supported here: the file contents are durable, only the rename may be replayed
  }
}
