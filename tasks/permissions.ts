/**
 * The permissions the compiled binary gets, in one place: read and write files, nothing else (no
 * network, environment, subprocesses, native code or system info). `deno task faceprint`, the
 * compile task, the smoke script and the CLI tests all use exactly these.
 */
export const BINARY_PERMISSIONS = ["--allow-read", "--allow-write"] as const;

/** Flags that make `deno run` behave like the binary: no prompts, no download chatter. */
export const RUN_FLAGS = ["--quiet", "--no-prompt", ...BINARY_PERMISSIONS] as const;
