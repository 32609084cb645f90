/** Crash-safe file replacement: after a crash at any instant the file is the old or the new one. */
import { basename, dirname, join } from "node:path";
import { ADVISORY_LOCKS, createPrivateFile, HAS_MODES, PRIVATE_MODE } from "./private_file.ts";

/**
 * A temp file younger than this may be one a live writer has not locked yet: never swept. Without
 * advisory locks (Windows) only temp files untouched for 10 minutes count as abandoned.
 */
const TEMP_GRACE_MS = ADVISORY_LOCKS ? 2_000 : 600_000;

/**
 * Replaces `path` with `data` atomically: writes a temp file in the same directory (`0600` from
 * its creation, locked while written), fsyncs it, renames it over the target, then fsyncs the
 * directory where the OS allows. A new file is `0600` whatever the umask; an existing file keeps
 * its permission bits (and, where allowed, its owner and group). Temp files of earlier writes to
 * the same target whose writer died (kill -9, power loss) are removed first. A symlink target is
 * followed (the file it points at is replaced). Needs only --allow-read and --allow-write.
 *
 * @example
 * await writeFileAtomic("model.json", JSON.stringify(model));
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const target = await resolveTarget(path);
  const directory = dirname(target);
  await sweepStaleTemps(target);
  const temp = join(directory, `${tempPrefix(target)}${crypto.randomUUID().slice(0, 8)}.tmp`);
  const file = await createPrivateFile(temp);
  let open = true;
  try {
    if (ADVISORY_LOCKS) await file.lock(true);
    for (let offset = 0; offset < bytes.length;) {
      offset += await file.write(bytes.subarray(offset));
    }
    await keepOwnership(file, temp, target);
    await file.sync();
    // Windows cannot rename an open file; elsewhere the lock is held until the rename is done.
    if (!HAS_MODES) {
      file.close();
      open = false;
    }
    await Deno.rename(temp, target);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  } finally {
    if (open) file.close();
  }
  await syncDirectory(directory);
}

/** Temp files of `target` are named `.<name>.<random>.tmp` beside it. */
function tempPrefix(target: string): string {
  return `.${basename(target)}.`;
}

/**
 * Removes the temp files a dead writer left beside `path` (they may hold embeddings that a later
 * `gallery remove` erased). A temp file is dead when nobody holds its lock (the kernel drops the
 * lock of a killed process) and it is older than a moment.
 *
 * @example
 * await sweepStaleTemps("faces.jsonl");
 */
export async function sweepStaleTemps(path: string): Promise<void> {
  const target = await resolveTarget(path);
  const directory = dirname(target);
  const prefix = tempPrefix(target);
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(directory));
  } catch {
    return; // a missing folder has no temp files; writing will report it
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.startsWith(prefix) || !entry.name.endsWith(".tmp")) continue;
    if (/[/\\]/.test(entry.name.slice(prefix.length))) continue;
    await removeIfAbandoned(join(directory, entry.name));
  }
}

async function removeIfAbandoned(temp: string): Promise<void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(temp, { read: true });
  } catch {
    return;
  }
  try {
    const { mtime } = await file.stat();
    if (mtime && Date.now() - mtime.getTime() < TEMP_GRACE_MS) return;
    if (ADVISORY_LOCKS && !(await file.tryLock(true))) return; // a live writer holds it
    await Deno.remove(temp).catch(() => {});
  } catch {
    // cannot lock or stat here (e.g. a filesystem without locks): leave it
  } finally {
    file.close();
  }
}

async function resolveTarget(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return path;
    throw error;
  }
}

/** Gives the temp file the existing target's mode (and owner/group when allowed); else 0600. */
async function keepOwnership(file: Deno.FsFile, temp: string, target: string): Promise<void> {
  if (!HAS_MODES) return;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(target);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // created 0600 already
    throw error;
  }
  await Deno.chmod(temp, info.mode === null ? PRIVATE_MODE : info.mode & 0o7777);
  if (info.uid !== null && info.gid !== null) {
    const own = await file.stat();
    if (own.uid !== info.uid || own.gid !== info.gid) {
      // Only root may give a file away; a group the user belongs to is allowed.
      await Deno.chown(temp, info.uid, info.gid).catch(() => {});
    }
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
