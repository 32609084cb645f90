/**
 * `deno task compile` and `deno task compile:all`: build faceprint's single-file binaries with
 * `deno compile`, run with exactly the binary's permissions (`BINARY_PERMISSIONS`).
 *
 * Usage:
 *   deno task compile [--target TARGET] [--out-dir DIR]   host (or one named) target
 *   deno task compile:all [--out-dir DIR]                 the five release targets
 *
 * Output: `DIR/faceprint[.exe]` for the host, `DIR/faceprint-<target>[.exe]` for a named target or
 * `--all` (DIR defaults to `dist`). Prints deno's "Embedded Files" summary and each binary's size.
 *
 * The payload is the module graph only: npm packages come from Deno's global cache
 * (`--node-modules-dir=none`) pruned to those `src/main.ts` reaches (`--exclude-unused-npm`), so the
 * local `node_modules/` with the reference packages (face-api.js, @vladmandic/human, ...) is not
 * embedded; their external source maps (`*.map`, never read at run time) are excluded too, and so
 * are the jSquash packages' `*.wasm` files (the decoders come from `models/`, the encoders are
 * unused). Before
 * compiling, the graph is checked: nothing under `tests/`, and under `models/` only files that
 * `models/manifest.json` marks `embedded`.
 *
 * `deno compile` builds each binary on `denort`, the Deno runtime for the target, which it downloads
 * once per target (or takes from the `DENORT_BIN` environment variable, passed through unchanged).
 * When that download fails the task exits 1 explaining the offline options.
 */
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import manifest from "../models/manifest.json" with { type: "json" };
import { BINARY_PERMISSIONS, BINARY_V8_FLAGS } from "./permissions.ts";

/** The targets `compile:all` builds and a release ships. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

const ENTRY = "src/main.ts";

/**
 * Modules started as workers (`new Worker(new URL(...))`): not part of the static module graph, so
 * `deno compile` embeds them only when named with `--include`.
 */
export const WORKER_MODULES = ["src/pipeline/image_worker.ts"] as const;
const ROOT = new URL("../", import.meta.url);

/** The parts of `deno info --json` output this task reads. */
export interface GraphInfo {
  modules: { specifier: string; kind?: string; npmPackage?: string }[];
  npmPackages: Record<string, { dependencies?: string[]; localPath?: string }>;
}

/** One entry of `models/manifest.json` (the fields this task reads). */
export interface ManifestFile {
  dest: string;
  embedded: boolean;
}

/** A failure the task explains in its own words (printed without a stack trace). */
class TaskError extends Error {}

/**
 * The file name of the binary for `target`: `faceprint` for the host build, `faceprint-<target>`
 * for named targets, plus `.exe` for Windows.
 *
 * @example
 * binaryName("x86_64-pc-windows-msvc", true); // "faceprint-x86_64-pc-windows-msvc.exe"
 */
export function binaryName(target: string, withTarget: boolean): string {
  const base = withTarget ? `faceprint-${target}` : "faceprint";
  return target.includes("windows") ? `${base}.exe` : base;
}

/**
 * The `deno compile` arguments for one target: managed npm pruned to the graph, the worker modules
 * included, `excludes` (absolute paths) left out, `--no-prompt`, `BINARY_V8_FLAGS` and exactly
 * `BINARY_PERMISSIONS`.
 *
 * @example
 * compileArgs("aarch64-apple-darwin", "dist/faceprint-aarch64-apple-darwin", []);
 */
export function compileArgs(target: string, output: string, excludes: string[]): string[] {
  return [
    "compile",
    "--node-modules-dir=none",
    "--exclude-unused-npm",
    ...WORKER_MODULES.flatMap((path) => ["--include", path]),
    ...excludes.flatMap((path) => ["--exclude", path]),
    "--no-prompt",
    BINARY_V8_FLAGS,
    ...BINARY_PERMISSIONS,
    "--target",
    target,
    "--output",
    output,
    ENTRY,
  ];
}

/**
 * Problems with what the graph would embed: any module under `tests/`, and any file under
 * `models/` that `files` does not mark embedded (`models/manifest.json` itself is allowed).
 *
 * @example
 * embeddingProblems(graph, manifest.files, new URL("../", import.meta.url)); // [] when clean
 */
export function embeddingProblems(graph: GraphInfo, files: ManifestFile[], root: URL): string[] {
  const tests = new URL("tests/", root).href;
  const models = new URL("models/", root).href;
  const allowed = new Set(files.filter((f) => f.embedded).map((f) => new URL(f.dest, root).href));
  allowed.add(new URL("models/manifest.json", root).href);
  const problems: string[] = [];
  for (const { specifier } of graph.modules) {
    const name = specifier.slice(root.href.length);
    if (specifier.startsWith(tests)) {
      problems.push(`${name} is under tests/ but ${ENTRY} imports it`);
    } else if (specifier.startsWith(models) && !allowed.has(specifier)) {
      problems.push(`${name} is imported but not marked embedded in models/manifest.json`);
    }
  }
  return problems;
}

/**
 * The npm packages (ids as in `npmPackages`) the graph reaches: those its modules import and
 * their dependencies, transitively.
 *
 * @example
 * reachableNpmPackages(graph); // ["@tensorflow/tfjs-core@4.22.0", "long@4.0.0", ...]
 */
export function reachableNpmPackages(graph: GraphInfo): string[] {
  const pending = graph.modules.flatMap((m) => m.npmPackage ? [m.npmPackage] : []);
  const seen = new Set<string>();
  while (pending.length) {
    const id = pending.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...graph.npmPackages[id]?.dependencies ?? []);
  }
  return [...seen].sort();
}

/**
 * Explains a failed `deno compile` from its stderr when the cause is the `denort` base binary
 * (download impossible, or `DENORT_BIN` naming a missing file); `null` for any other failure.
 * `denoDir` is where deno caches downloads (`deno info --json`'s `denoDir`).
 *
 * @example
 * explainCompileFailure(stderr, "/home/me/.cache/deno"); // "cannot download denort for ..."
 */
export function explainCompileFailure(stderr: string, denoDir: string): string | null {
  const missing = stderr.match(/Could not find denort at '([^']*)'/);
  if (missing) {
    return `DENORT_BIN is set to '${missing[1]}', which cannot be read. Point it at the denort ` +
      `binary for the target (unzipped from denort-<target>.zip), or unset it to let ` +
      `deno compile download denort.`;
  }
  const download = stderr.match(
    /https:\/\/dl\.deno\.land\/(release\/(v[^/\s]+)\/denort-([\w-]+)\.zip)/,
  );
  if (!stderr.includes("Setting up base binary") || !download) return null;
  const [url, cachePath, version, target] = download;
  const causes = [...withoutBacktrace(stderr).matchAll(/^\s+\d+: (.+)$/gm)].map((m) => m[1]);
  const cause = causes.at(-1) ?? "no details";
  const zip = `denort-${target}.zip`;
  return [
    `cannot download denort for ${target} (no network?): ${cause}`,
    `deno compile builds the binary on denort, the Deno runtime for the target, from`,
    `  ${url}`,
    `On an offline build machine, download ${zip} once elsewhere from the Deno`,
    `release page (https://github.com/denoland/deno/releases/tag/${version}), then either:`,
    `  - unzip it and set DENORT_BIN to the denort binary, one target per run:`,
    `      DENORT_BIN=/path/to/denort deno task compile --target ${target}`,
    `  - or copy the zip, unchanged, to where deno compile looks before downloading (works for`,
    `    compile:all, one zip per target):`,
    `      ${join(denoDir, "dl", ...cachePath.split("/"))}`,
  ].join("\n");
}

/** Deno's error text without its "Stack backtrace:" tail (which says nothing useful here). */
function withoutBacktrace(stderr: string): string {
  return stderr.replace(/\n*Stack backtrace:[\s\S]*$/, "").trimEnd();
}

/**
 * Runs `deno` with `args` from the repo root, without colours (its messages are parsed and
 * relayed); returns its exit status and stdout/stderr text.
 */
async function deno(args: string[]): Promise<{ success: boolean; stdout: string; stderr: string }> {
  const env = { NO_COLOR: "1" };
  const out = await new Deno.Command("deno", { args, cwd: ROOT, env, stdin: "null" }).output();
  const text = new TextDecoder();
  return { success: out.success, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** `deno info --json` for the entry, resolved the way `deno compile` will (managed npm). */
async function readGraph(): Promise<GraphInfo> {
  const info = await deno(["info", "--json", "--node-modules-dir=none", ENTRY]);
  if (!info.success) {
    throw new TaskError(
      `cannot resolve ${ENTRY}'s module graph:\n${withoutBacktrace(info.stderr)}`,
    );
  }
  return JSON.parse(info.stdout);
}

async function denoDir(): Promise<string> {
  const info = await deno(["info", "--json"]);
  return info.success ? JSON.parse(info.stdout).denoDir : "$DENO_DIR";
}

/**
 * Files of an npm package that are never read at run time, as absolute paths: every `*.map`
 * (external source maps) and, with `wasm`, every `*.wasm` (the jSquash packages: their decoders
 * are embedded from `models/`, pinned by sha256, and their encoders are never used).
 */
export async function unreadFilesUnder(dir: string, wasm: boolean): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...await unreadFilesUnder(path, wasm));
    else if (entry.isFile && entry.name.endsWith(".map")) found.push(path);
    else if (entry.isFile && wasm && entry.name.endsWith(".wasm")) found.push(path);
  }
  return found;
}

/** Packages whose `*.wasm` files are left out of the binary (see {@link unreadFilesUnder}). */
const WASM_FROM_MODELS = /^@jsquash\//;

/** What of the npm packages the graph reaches is never read: left out of the binary. */
async function npmUnreadFiles(graph: GraphInfo): Promise<string[]> {
  const dirs = reachableNpmPackages(graph).flatMap((id) => {
    const path = graph.npmPackages[id]?.localPath;
    return path ? [{ path, wasm: WASM_FROM_MODELS.test(id) }] : [];
  });
  return (await Promise.all(dirs.map((d) => unreadFilesUnder(d.path, d.wasm)))).flat();
}

function formatSize(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB (${bytes.toLocaleString("en-US")} bytes)`;
}

async function compileOne(target: string, output: string, excludes: string[]): Promise<void> {
  const fromCwd = relative(Deno.cwd(), output);
  const shown = fromCwd.startsWith("..") ? output : fromCwd;
  console.error(`compile: ${target} -> ${shown}`);
  const result = await deno(compileArgs(target, output, excludes));
  if (!result.success) {
    throw new TaskError(
      explainCompileFailure(result.stderr, await denoDir()) ?? withoutBacktrace(result.stderr),
    );
  }
  console.error(result.stderr.trimEnd());
  console.log(`${shown}  ${formatSize((await Deno.stat(output)).size)}`);
}

const USAGE = `Usage: deno task compile [--target TARGET] [--out-dir DIR]
       deno task compile:all [--out-dir DIR]
Targets: ${TARGETS.join(", ")}`;

/** Runs the task with command-line `args`; returns the exit code (0 ok, 1 failed, 2 usage). */
async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args,
      options: {
        all: { type: "boolean", default: false },
        target: { type: "string" },
        "out-dir": { type: "string", default: "dist" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (e) {
    console.error(`compile: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const { all, target } = options;
  if (target !== undefined && !(TARGETS as readonly string[]).includes(target)) {
    console.error(`compile: unknown target "${target}"\n${USAGE}`);
    return 2;
  }
  if (all && target !== undefined) {
    console.error(`compile: --all and --target exclude each other\n${USAGE}`);
    return 2;
  }
  const denortBin = Deno.env.get("DENORT_BIN");
  if (all && denortBin) {
    console.error(
      "compile: DENORT_BIN names one denort binary, for one target, but --all builds five. " +
        "Run `deno task compile --target TARGET` once per target with that target's denort.",
    );
    return 2;
  }
  if (denortBin) console.error(`compile: base binary from DENORT_BIN=${denortBin}`);

  try {
    const graph = await readGraph();
    const problems = embeddingProblems(graph, manifest.files, ROOT);
    if (problems.length) throw new TaskError(problems.join("\n"));
    const excludes = await npmUnreadFiles(graph);
    const targets = all ? [...TARGETS] : [target ?? Deno.build.target];
    for (const t of targets) {
      const output = resolve(options["out-dir"], binaryName(t, all || target !== undefined));
      await compileOne(t, output, excludes);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof TaskError)) throw e;
    console.error(`compile: ${e.message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
