/**
 * Command-line flag parsing for every command: `node:util` parseArgs, with mistakes reported as one
 * plain line (`unknown option --min_face (did you mean --min-face?)`) and `-f=csv` read as `-f csv`.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "./errors.ts";

/** Edit distance (insertions, deletions, substitutions and swaps of neighbours, each 1). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name closest to `name` (case, `_` and `-` ignored first), or undefined when none is
 * within a third of its length.
 *
 * @example
 * closestName("min_face", ["min-face", "detector"]); // "min-face"
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replaceAll("_", "-");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(plain(name), plain(candidate));
    if (d < bestDistance) (best = candidate, bestDistance = d);
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** `-f=csv` → `-f`, `csv` (parseArgs would read the value as "=csv"). */
function splitShortEquals(argv: string[]): string[] {
  const out: string[] = [];
  for (const [i, arg] of argv.entries()) {
    if (arg === "--") return [...out, ...argv.slice(i)];
    const m = /^-([A-Za-z])=(.*)$/s.exec(arg);
    if (m) out.push(`-${m[1]}`, m[2]);
    else out.push(arg);
  }
  return out;
}

/** Throws a UsageError for the first option not in `options`, suggesting the closest one. */
function checkKnown(argv: string[], options: ParseArgsOptionsConfig): void {
  const longs = Object.keys(options);
  const shorts = new Map(
    Object.entries(options).flatMap(([name, o]) => o.short ? [[o.short, name]] : []),
  );
  for (const [i, arg] of argv.entries()) {
    if (arg === "--") return;
    if (i > 0 && takesValue(argv[i - 1], options)) continue;
    if (arg.startsWith("--")) {
      const name = arg.slice(2).split("=")[0];
      if (longs.includes(name)) continue;
      const guess = closestName(name, longs);
      throw new UsageError(
        `unknown option --${name}` + (guess ? ` (did you mean --${guess}?)` : "") +
          " (see --help)",
      );
    }
    if (/^-[A-Za-z]/.test(arg) && !shorts.has(arg[1])) {
      throw new UsageError(`unknown option ${arg.slice(0, 2)} (see --help)`);
    }
  }
}

/** Whether `arg` is a string-valued option written without its value (`--format`, `-f`). */
function takesValue(arg: string, options: ParseArgsOptionsConfig): boolean {
  if (arg.includes("=")) return false;
  const spec = arg.startsWith("--")
    ? options[arg.slice(2)]
    : /^-[A-Za-z]$/.test(arg)
    ? Object.values(options).find((o) => o.short === arg[1])
    : undefined;
  return spec?.type === "string";
}

/** Rewrites parseArgs' own messages ("Option '-f, --format <value>' argument missing") plainly. */
function plainMessage(e: Error): string {
  const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(e.message);
  if (missing) return `${missing[1]} needs a value (see --help)`;
  const noValue = /Option '(?:-\w, )?(--[\w-]+)[^']*' does not take an argument/.exec(e.message);
  if (noValue) return `${noValue[1]} takes no value (see --help)`;
  return e.message.split("\n")[0];
}

/**
 * Parses `argv` against `options` (positionals allowed); every mistake is a UsageError with one
 * line naming the option and, for a misspelling, the closest real one.
 *
 * @example
 * const { values, positionals } = parseFlags(argv, { format: { type: "string", short: "f" } });
 */
export function parseFlags<const O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  const args = splitShortEquals(argv);
  checkKnown(args, options);
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(plainMessage(e as Error));
  }
}
