/**
 * The permissions the compiled binary gets, in one place: read and write files, nothing else (no
 * network, environment, subprocesses, native code or system info), and one V8 setting. `deno task
 * faceprint`, the compile task, the smoke script and the CLI tests all use exactly these.
 */
export const BINARY_PERMISSIONS = ["--allow-read", "--allow-write"] as const;

/**
 * The V8 setting compiled into the binary: a young generation of at most 4 MiB per semi-space (V8
 * lets it grow to 16). With `--jobs 2` over 400 photos of ~1920 px, resident memory without it rose
 * 664 → 701 MiB from the first to the last hundred images, and with it held at 634–637 MiB, at
 * 4.92 images/s against 4.69 (1 and 2 MiB gave the same).
 */
export const BINARY_V8_FLAGS = "--v8-flags=--max-semi-space-size=4";

/** Flags that make `deno run` behave like the binary: no prompts, no download chatter. */
export const RUN_FLAGS = [
  "--quiet",
  "--no-prompt",
  BINARY_V8_FLAGS,
  ...BINARY_PERMISSIONS,
] as const;
