/**
 * The input options shared by every command that takes images (detect, embed, identify, enroll):
 * `--files-from LIST` / `-0` (paths streamed from a list), `--shard K/N` (a stable part of them),
 * and, for commands whose output is one record per image, `--resume OUT.jsonl`. Also the stderr
 * summary of what was skipped and why.
 */
import { UsageError } from "./errors.ts";
import { countSkip, expandInputs, type Input, type SkipTally, type WalkOptions } from "./inputs.ts";
import { warn } from "./log.ts";
import { readPathList } from "./path_list.ts";
import { inShard, parseShard, type Shard } from "./shard.ts";

/** parseArgs options for the input flags. */
export const INPUT_FLAGS = {
  "files-from": { type: "string" },
  null: { type: "boolean", short: "0" },
  shard: { type: "string" },
} as const;

/** parseArgs option for `--resume`. */
export const RESUME_FLAG = { resume: { type: "string" } } as const;

/** Help lines for {@link INPUT_FLAGS}. */
export const INPUT_FLAGS_HELP =
  `  --files-from LIST     also take the image paths listed in LIST (- for stdin), one per line,
                        read as the run goes (find DIR -name '*.jpg' | faceprint … --files-from -)
  -0, --null            LIST entries end with NUL instead of newline (find -print0)
  --shard K/N           only the inputs whose path falls in shard K of N (K = 1..N; FNV-1a hash
                        of the path as given), so N machines given the same inputs split the work`;

/** Help line for {@link RESUME_FLAG}. */
export const RESUME_HELP =
  `  --resume OUT.jsonl    write the records to OUT.jsonl (appended; created 0600), skipping inputs
                        it already answers: run the same command again after a crash or kill`;

/** The inputs a command was given. */
export interface InputPlan {
  /** PATH arguments. */
  paths: string[];
  /** `--files-from` list (`-` for stdin). */
  list?: string;
  /** The list is NUL-separated. */
  nul: boolean;
  /** `--shard`. */
  shard?: Shard;
}

/**
 * Validates the input flags and positionals of one command.
 *
 * @example
 * const plan = parseInputPlan(values, positionals); // values from parseArgs with INPUT_FLAGS
 */
export function parseInputPlan(
  values: { "files-from"?: string; null?: boolean; shard?: string },
  paths: string[],
): InputPlan {
  const list = values["files-from"];
  if (paths.length === 0 && list === undefined) {
    throw new UsageError("no input: give image files, directories, - or --files-from LIST");
  }
  if (values.null && list === undefined) throw new UsageError("-0 needs --files-from LIST");
  if (list === "-" && paths.includes("-")) {
    throw new UsageError("stdin cannot be both an image (-) and the --files-from list");
  }
  return {
    paths,
    list,
    nul: values.null ?? false,
    shard: values.shard === undefined ? undefined : parseShard(values.shard),
  };
}

/** Where the inputs go: the walk's options plus the records an earlier run already wrote. */
export interface SelectOptions extends WalkOptions {
  skipped: SkipTally;
  /** Paths answered by the output being resumed. */
  answered?: ReadonlySet<string>;
  /** The `--resume` file, for the skip message. */
  resumePath?: string;
}

/** Reason counted for inputs left to other shards. */
function shardReason(shard: Shard): string {
  return `in other shards than ${shard.index}/${shard.count}`;
}

/**
 * The inputs of `plan`, lazily: PATH arguments then the list's entries, expanded, filtered by shard
 * and by what the resumed output already answers (those counted in `options.skipped`).
 *
 * @example
 * for await (const input of selectInputs(plan, { skipped: new Map() })) console.log(input.path);
 */
export async function* selectInputs(
  plan: InputPlan,
  options: SelectOptions,
): AsyncGenerator<Input> {
  async function* paths(): AsyncGenerator<string> {
    yield* plan.paths;
    if (plan.list !== undefined) yield* readPathList(plan.list, plan.nul);
  }
  for await (const input of expandInputs(paths(), options)) {
    if (plan.shard && !inShard(input.path, plan.shard)) {
      countSkip(options.skipped, shardReason(plan.shard));
    } else if (options.answered?.has(input.path)) {
      countSkip(options.skipped, `already answered in ${options.resumePath}`);
    } else {
      yield input;
    }
  }
}

/**
 * Says on stderr what was skipped, one line per reason, and returns whether the run did nothing
 * at all without a good reason (no input found: the caller exits 1). Inputs left to other shards
 * or already answered by a resumed output are good reasons.
 *
 * @example
 * if (reportSkipped(skipped, processed)) return EXIT.partial;
 */
export function reportSkipped(skipped: SkipTally, processed: number): boolean {
  for (const [reason, count] of skipped) {
    warn(`${count} skipped: ${reason}`);
  }
  if (processed > 0) return false;
  const accounted = [...skipped.keys()].some((r) =>
    r.startsWith("in other shards") || r.startsWith("already answered")
  );
  if (!accounted) warn("nothing processed: no image found among the inputs");
  return !accounted;
}

/**
 * Takes up to `count` items off the front of `source` (to size a worker pool) and returns them
 * with an iterable that yields them again followed by the rest.
 *
 * @example
 * const { head, all } = await takeAhead(inputs, 2); // head.length < 2: a short run
 */
export async function takeAhead<T>(
  source: AsyncIterable<T>,
  count: number,
): Promise<{ head: T[]; all: AsyncIterable<T> }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: T[] = [];
  let done = false;
  while (head.length < count) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
  }
  async function* all(): AsyncGenerator<T> {
    yield* head;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield next.value;
    }
  }
  return { head, all: all() };
}
