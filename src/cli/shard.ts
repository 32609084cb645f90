/**
 * `--shard K/N`: a stable split of the inputs over N machines or processes. An input belongs to
 * shard K (1-based) when the 32-bit FNV-1a hash of its path's UTF-8 bytes, modulo N, is K − 1, so
 * every run, on any machine, given the same paths, makes the same split.
 */
import { UsageError } from "./errors.ts";

/** One shard: number `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

const encoder = new TextEncoder();

/**
 * 32-bit FNV-1a of the UTF-8 bytes of `text`, as an unsigned integer.
 *
 * @example
 * fnv1a32("a"); // 0xe40c292c
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Parses `K/N` (1 ≤ K ≤ N).
 *
 * @example
 * parseShard("2/8"); // { index: 2, count: 8 }
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(
      `--shard expects K/N with 1 <= K <= N (e.g. 1/4; shards are numbered from 1), got "${text}"`,
    );
  }
  return { index, count };
}

/** Whether `path` falls in `shard`. */
export function inShard(path: string, shard: Shard): boolean {
  return fnv1a32(path) % shard.count === shard.index - 1;
}
