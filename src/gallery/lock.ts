/**
 * An advisory lock beside the gallery (`G.lock`, mode 0600) so concurrent faceprint runs do not
 * lose each other's records. The lock file names its holder (pid, host) and the holder keeps an OS
 * file lock (flock) on it while it works. The binary cannot see other processes (no --allow-run,
 * --allow-sys, nor /proc), but the kernel drops a killed process's file lock: a lock file from this
 * host that nobody holds is taken over at once. A lock from another host (or where file locks or
 * the host name are unavailable) counts as left by a crashed run once untouched for `staleMs`; a
 * holder refreshes its lock file's mtime while it works so a long job is never mistaken for one.
 */
import { GalleryError } from "./error.ts";
import { ADVISORY_LOCKS, createPrivateFile } from "./private_file.ts";

/** Options for `withGalleryLock`. */
export interface GalleryLockOptions {
  /** How long to wait for another holder, in ms (default 10 000). */
  timeoutMs?: number;
  /** A lock untouched for this long is stale and broken, in ms (default 10 minutes). */
  staleMs?: number;
  /** Delay between attempts while waiting, in ms (default 50). */
  pollMs?: number;
  /** Where the notice about breaking a stale lock goes (default `console.error`). */
  warn?: (message: string) => void;
}

interface LockContent {
  pid: number;
  host: string;
  since: string;
  token: string;
}

interface Holder {
  text: string;
  pid: number | undefined;
  ageMs: number;
}

/** A lock this process holds: the open, OS-locked file and its token. */
interface HeldLock {
  file: Deno.FsFile;
  token: string;
}

let hostName: Promise<string> | undefined;

/** This machine's name from /etc/hostname (readable with --allow-read), or "" where there is none. */
function thisHost(): Promise<string> {
  hostName ??= Deno.readTextFile("/etc/hostname").then((text) => text.trim(), () => "");
  return hostName;
}

/**
 * Runs `fn` while holding the lock file `${path}.lock` (created exclusively and 0600, holding pid,
 * host, start time and a token, OS-locked while held). Waits up to `timeoutMs` for another live
 * holder, then throws `GalleryError` naming the lock file and the holder's pid. Takes over at once,
 * with a notice through `warn`, a lock whose holder on this host is gone; breaks a stale lock the
 * same way. The lock is removed when `fn` returns or throws.
 *
 * @example
 * await withGalleryLock("faces.jsonl", async () => {
 *   const g = await readGallery("faces.jsonl", stamp);
 *   await writeGallery("faces.jsonl", addRecords(g, fresh).gallery);
 * });
 */
export async function withGalleryLock<T>(
  path: string,
  fn: () => T | Promise<T>,
  options: GalleryLockOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, staleMs = 600_000, pollMs = 50, warn = console.error } = options;
  const lockPath = `${path}.lock`;
  const held = await acquire(lockPath, timeoutMs, staleMs, pollMs, warn);
  let refresh: Promise<void> = Promise.resolve();
  const heartbeat = setInterval(() => {
    const now = new Date();
    refresh = Deno.utime(lockPath, now, now).catch(() => {});
  }, Math.max(1, Math.floor(staleMs / 4)));
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await refresh;
    await release(lockPath, held);
  }
}

async function acquire(
  lockPath: string,
  timeoutMs: number,
  staleMs: number,
  pollMs: number,
  warn: (message: string) => void,
): Promise<HeldLock> {
  const host = await thisHost();
  const content: LockContent = {
    pid: Deno.pid,
    host,
    since: new Date().toISOString(),
    token: crypto.randomUUID(),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const file = await tryCreate(lockPath, JSON.stringify(content) + "\n");
    if (file) return { file, token: content.token };
    const holder = await readHolder(lockPath);
    if (holder === null) continue;
    if (host && parseLock(holder.text).host === host && await removeIfGone(lockPath, holder)) {
      warn(
        `faceprint: taking over lock ${lockPath} left by process ${pidText(holder)}, ` +
          "which is no longer running",
      );
      continue;
    }
    if (holder.ageMs > staleMs) {
      if (await removeIfStill(lockPath, holder, staleMs)) {
        warn(
          `faceprint: breaking stale lock ${lockPath} left by process ${pidText(holder)} ` +
            `(untouched for ${minutes(holder.ageMs)}, limit ${minutes(staleMs)})`,
        );
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new GalleryError(
        lockPath,
        `gallery is locked by process ${pidText(holder)} (lock file ${lockPath}, last touched ` +
          `${minutes(holder.ageMs)} ago); ` +
          `gave up after ${timeoutMs} ms — try again when it finishes, or delete ${lockPath} ` +
          "if no faceprint is running",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Creates the lock file, OS-locks it, then writes `text`; null when it exists already. */
async function tryCreate(lockPath: string, text: string): Promise<Deno.FsFile | null> {
  let file: Deno.FsFile;
  try {
    file = await createPrivateFile(lockPath);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return null;
    throw new GalleryError(lockPath, `cannot create lock file ${lockPath}: ${oneLine(error)}`);
  }
  try {
    // Locked before the content is written: a complete lock file always had a live locker.
    // Where file locks are unsupported, the stale rule still applies.
    if (ADVISORY_LOCKS) await file.lock(true).catch(() => {});
    const bytes = new TextEncoder().encode(text);
    for (let offset = 0; offset < bytes.length;) offset += await file.write(bytes.subarray(offset));
  } catch (error) {
    file.close();
    await Deno.remove(lockPath).catch(() => {});
    throw new GalleryError(lockPath, `cannot write lock file ${lockPath}: ${oneLine(error)}`);
  }
  return file;
}

/**
 * Removes the lock file when its holder is gone: the file is complete (so its creator OS-locked it
 * before writing) and nobody holds the OS lock any more (the kernel drops it when a process ends).
 * The removal happens while holding that OS lock and after checking the path still names the same
 * file, so two waiters cannot both take over, nor remove a lock taken in the meantime.
 */
async function removeIfGone(lockPath: string, seen: Holder): Promise<boolean> {
  if (!ADVISORY_LOCKS || parseToken(seen.text) === undefined) return false;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lockPath, { read: true });
  } catch {
    return false;
  }
  try {
    if (!(await file.tryLock(true))) return false;
    const [opened, named] = await Promise.all([file.stat(), Deno.stat(lockPath)]);
    const text = await Deno.readTextFile(lockPath);
    if (opened.ino !== named.ino || opened.dev !== named.dev || text !== seen.text) return false;
    await Deno.remove(lockPath);
    return true;
  } catch {
    return false;
  } finally {
    file.close();
  }
}

/** The current lock holder, or null if the lock vanished while looking. */
async function readHolder(lockPath: string): Promise<Holder | null> {
  try {
    const [text, info] = await Promise.all([Deno.readTextFile(lockPath), Deno.stat(lockPath)]);
    const touched = info.mtime?.getTime() ?? Date.now();
    return { text, pid: parsePid(text), ageMs: Date.now() - touched };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new GalleryError(lockPath, `cannot read lock file ${lockPath}: ${oneLine(error)}`);
  }
}

/**
 * Removes an abandoned lock only if it is still the same lock (and, with `staleMs`, still stale),
 * so two waiters that both saw it do not delete a fresh lock the faster one has just taken.
 */
async function removeIfStill(lockPath: string, seen: Holder, staleMs = -1): Promise<boolean> {
  const now = await readHolder(lockPath);
  if (now === null || now.text !== seen.text || now.ageMs <= staleMs) return false;
  try {
    await Deno.remove(lockPath);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw new GalleryError(lockPath, `cannot remove stale lock ${lockPath}: ${oneLine(error)}`);
  }
}

async function release(lockPath: string, held: HeldLock): Promise<void> {
  try {
    const holder = await readHolder(lockPath);
    if (holder === null || parseToken(holder.text) !== held.token) return;
    await Deno.remove(lockPath).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  } finally {
    held.file.close();
  }
}

function parseLock(text: string): Partial<LockContent> {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {};
  }
}

function parsePid(text: string): number | undefined {
  const { pid } = parseLock(text);
  return typeof pid === "number" ? pid : undefined;
}

function parseToken(text: string): string | undefined {
  const { token } = parseLock(text);
  return typeof token === "string" ? token : undefined;
}

function pidText(holder: Holder): string {
  return holder.pid === undefined ? "(unknown pid)" : String(holder.pid);
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
