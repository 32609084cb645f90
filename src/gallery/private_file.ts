/**
 * Files that hold biometric data (galleries, models, locks, temp files, resumable outputs) are
 * created owner-only, `0600`, whatever the umask: `Deno.open`'s `mode` is only ever lowered by the
 * umask, so the mode is set again explicitly after creation. On Windows, files get the folder's
 * inherited ACLs (there is no mode to set).
 */

/** The mode of every file faceprint creates with embeddings in it. */
export const PRIVATE_MODE = 0o600;

/** Whether this OS has Unix permission bits. */
export const HAS_MODES = Deno.build.os !== "windows";

/**
 * Whether advisory file locks (flock) are used to tell a live writer from a dead one. Windows'
 * locks are mandatory (they would stop others reading a lock file), so there the age rules apply.
 */
export const ADVISORY_LOCKS = Deno.build.os !== "windows";

/**
 * Creates `path` (which must not exist) `0600` and opens it for writing.
 *
 * @example
 * using file = await createPrivateFile("g.jsonl.lock");
 */
export async function createPrivateFile(path: string): Promise<Deno.FsFile> {
  const file = await Deno.open(path, { write: true, createNew: true, mode: PRIVATE_MODE });
  try {
    if (HAS_MODES) await Deno.chmod(path, PRIVATE_MODE);
  } catch (error) {
    file.close();
    await Deno.remove(path).catch(() => {});
    throw error;
  }
  return file;
}

/**
 * Opens `path` for appending, creating it `0600` when missing; an existing file keeps its mode.
 *
 * @example
 * using out = await openPrivateAppend("out.jsonl");
 */
export async function openPrivateAppend(path: string): Promise<Deno.FsFile> {
  try {
    return await createPrivateFile(path).then(async (file) => {
      file.close();
      return await Deno.open(path, { append: true });
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    return await Deno.open(path, { append: true });
  }
}
