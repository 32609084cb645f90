/**
 * Shared helpers for the robustness tests: the sample photo at any size, broken and odd image
 * files, a CLI run that also measures the process's peak resident memory, and temp directories.
 */
import { decodeImage, resizeBilinear } from "../../src/image/decode.ts";
import type { RgbImage } from "../../src/types.ts";
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { type CliResult, MAIN, SAMPLES } from "../cli/run_cli.ts";

/** /work/shared/data (development data), resolved from the repository root. */
export const SHARED_DATA = new URL("../../../shared/data/", import.meta.url);

/** True when `url` exists. */
export function exists(url: URL | string): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

const samples = new Map<string, RgbImage>();

/** An npm sample photo (e.g. "sample1.jpg", 1920 px wide), decoded once. */
export function samplePhoto(file: string): RgbImage {
  if (!samples.has(file)) samples.set(file, decodeImage(Deno.readFileSync(`${SAMPLES}${file}`)));
  return samples.get(file)!;
}

/** sample1.jpg (three faces, 1920×1280) resized to `width` pixels wide. */
export function sampleScene(width: number): RgbImage {
  const sample = samplePhoto("sample1.jpg");
  return resizeBilinear(sample, width, Math.round((width * sample.height) / sample.width));
}

/** The `width` × `height` region of `image` at (x0, y0) (edge pixels repeated outside). */
export function cropImage(
  image: RgbImage,
  x0: number,
  y0: number,
  width: number,
  height: number,
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, Math.round(y0) + y));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, Math.round(x0) + x));
      data.set(
        image.data.subarray((sy * image.width + sx) * 3, (sy * image.width + sx) * 3 + 3),
        (y * width + x) * 3,
      );
    }
  }
  return { width, height, data };
}

/** One colour channel (0 R, 1 G, 2 B) of `image`, or its luma with `c` = "luma". */
export function plane(image: RgbImage, c: 0 | 1 | 2 | "luma"): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = image.data.subarray(i * 3, i * 3 + 3);
    out[i] = c === "luma" ? Math.round(0.299 * r + 0.587 * g + 0.114 * b) : [r, g, b][c];
  }
  return out;
}

/** Runs `fn` with a fresh temp directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "faceprint-robust-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A CLI result with the process's peak resident memory (kB; 0 when it cannot be measured). */
export interface MeasuredResult extends CliResult {
  peakRssKb: number;
  ms: number;
}

/** GNU time: reports a child's peak resident set ("Maximum resident set size") with -v. */
const GNU_TIME = "/usr/bin/time";

/**
 * Runs `faceprint ...args` like tests/cli/run_cli.ts (the binary's permissions only), under GNU
 * time on Linux to learn its peak resident memory (Deno reads /proc/<pid> only with --allow-all).
 *
 * @example
 * const { code, peakRssKb } = await runCliMeasured(["detect", "big.png"]);
 */
export async function runCliMeasured(args: string[]): Promise<MeasuredResult> {
  const timed = Deno.build.os === "linux" && exists(GNU_TIME);
  const deno = [Deno.execPath(), "run", ...RUN_FLAGS, MAIN, ...args];
  const start = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(timed ? GNU_TIME : deno[0], {
    args: timed ? ["-v", ...deno] : deno.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const ms = performance.now() - start;
  const decoder = new TextDecoder();
  let errors = decoder.decode(stderr);
  let peakRssKb = 0;
  const report = errors.lastIndexOf("\tCommand being timed:");
  if (timed && report >= 0) {
    peakRssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(errors)?.[1] ?? 0);
    errors = errors.slice(0, report);
  }
  return { code, stdout: decoder.decode(stdout), stderr: errors, peakRssKb, ms };
}
