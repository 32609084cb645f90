/**
 * An advisory lock beside the gallery (`G.lock`) so concurrent faceprint runs do not lose each
 * other's records. The binary cannot see other processes (no --allow-run/--allow-sys), so a lock
 * whose file has not been touched for `staleMs` counts as left by a crashed run; a holder refreshes
 * its lock file's mtime while it works so a long job is never mistaken for a crash.
 */
import { GalleryError } from "./error.ts";

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
  since: string;
  token: string;
}

interface Holder {
  text: string;
  pid: number | undefined;
  ageMs: number;
}

/**
 * Runs `fn` while holding the lock file `${path}.lock` (created exclusively, holding pid, start
 * time and a token). Waits up to `timeoutMs` for another holder, then throws `GalleryError` naming
 * the lock file and the holder's pid. Breaks a stale lock with a notice through `warn`. The lock is
 * removed when `fn` returns or throws.
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
  const token = await acquire(lockPath, timeoutMs, staleMs, pollMs, warn);
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
    await release(lockPath, token);
  }
}

async function acquire(
  lockPath: string,
  timeoutMs: number,
  staleMs: number,
  pollMs: number,
  warn: (message: string) => void,
): Promise<string> {
  const content: LockContent = {
    pid: Deno.pid,
    since: new Date().toISOString(),
    token: crypto.randomUUID(),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await tryCreate(lockPath, JSON.stringify(content) + "\n")) return content.token;
    const holder = await readHolder(lockPath);
    if (holder === null) continue;
    if (holder.ageMs > staleMs) {
      if (await breakIfStill(lockPath, holder, staleMs)) {
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

async function tryCreate(lockPath: string, text: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lockPath, { write: true, createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw new GalleryError(lockPath, `cannot create lock file ${lockPath}: ${oneLine(error)}`);
  }
  try {
    await file.write(new TextEncoder().encode(text));
  } finally {
    file.close();
  }
  return true;
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
 * Removes a stale lock only if it is still the same stale lock, so two waiters that both saw it
 * do not delete a fresh lock the faster one has just taken.
 */
async function breakIfStill(lockPath: string, seen: Holder, staleMs: number): Promise<boolean> {
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

async function release(lockPath: string, token: string): Promise<void> {
  const holder = await readHolder(lockPath);
  if (holder === null || parseToken(holder.text) !== token) return;
  await Deno.remove(lockPath).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
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
