/** Where a `--report FILE.html` goes: checked before the work starts, written atomically after. */
import { dirname } from "node:path";
import { writeFileAtomic } from "../gallery/atomic_write.ts";

/**
 * Throws a one-line error naming `file` when its folder does not exist, so a long run does not
 * end with nowhere to put the report.
 *
 * @example
 * await checkReportPath("out/lfw.html");
 */
export async function checkReportPath(file: string): Promise<void> {
  const dir = dirname(file);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch {
    throw new Error(`${file}: cannot write the report: folder ${dir} does not exist`);
  }
  if (!info.isDirectory) {
    throw new Error(`${file}: cannot write the report: ${dir} is not a folder`);
  }
}

/**
 * Writes the page (temporary file, fsync, rename: a reader never sees half a report).
 *
 * @example
 * await writeReport("lfw.html", html);
 */
export async function writeReport(file: string, html: string): Promise<void> {
  try {
    await writeFileAtomic(file, html);
  } catch (e) {
    throw new Error(`${file}: cannot write the report: ${(e as Error).message}`);
  }
}
