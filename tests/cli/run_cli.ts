/** Runs the faceprint CLI from source as a subprocess, with exactly the binary's permissions. */
import { RUN_FLAGS } from "../../tasks/permissions.ts";

/** Path of src/main.ts. */
export const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
/** The npm-shipped sample photos (placed by `deno task models`). */
export const SAMPLES = new URL("../fixtures/npm/", import.meta.url).pathname;

/** What a CLI run returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `faceprint ...args`; `stdin` bytes are piped in when given.
 *
 * @example
 * const { code, stdout } = await runCli(["detect", "a.jpg"]);
 */
export async function runCli(
  args: string[],
  options: { stdin?: Uint8Array; cwd?: string } = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...RUN_FLAGS, MAIN, ...args],
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd,
    env: { NO_COLOR: "1" },
  }).spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Parses JSON Lines output. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

/** detect's CSV header: the image, one face per row (box, score, landmarks), the error. */
export const CSV_HEADER = "file,image_width,image_height,faces,detected,face,x,y,width,height," +
  "score,left_eye_x,left_eye_y,right_eye_x,right_eye_y,nose_x,nose_y,mouth_left_x,mouth_left_y," +
  "mouth_right_x,mouth_right_y,crop,error";
