/**
 * `--resume OUT.jsonl`: records go to OUT.jsonl (appended), and inputs whose `"file"` already has a
 * record there are skipped, so a batch killed at any moment (even with kill -9) and run again with
 * the same arguments ends with every input answered exactly once. A torn last line (the record
 * being written when the run died) is cut off before appending. OUT is created 0600: its records
 * carry embeddings.
 */
import { openPrivateAppend } from "../gallery/private_file.ts";
import type { RecordWriter } from "./output.ts";

/** An output file being resumed. */
export interface ResumeLog<R> {
  /** The `file` of every complete record already in the output. */
  answered: Set<string>;
  /** Bytes of a torn last record that were cut off (0 when the file ended cleanly). */
  truncated: number;
  /** Appends records as JSON Lines, one whole line per write. */
  writer: RecordWriter<R>;
}

const NEWLINE = 0x0a;

/**
 * Reads the `file` fields of the records in `path` (streamed: the output may hold millions of
 * records) and the length up to the last complete one. Throws naming the file and line when a
 * complete line is not a faceprint record.
 */
async function scanOutput(path: string): Promise<{ answered: Set<string>; good: number }> {
  const answered = new Set<string>();
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { answered, good: 0 };
    throw new Error(`--resume ${path}: ${(e as Error).message}`);
  }
  const decoder = new TextDecoder();
  let carry = new Uint8Array(0);
  let offset = 0, good = 0, line = 0;
  for await (const chunk of file.readable) {
    const bytes = carry.length ? concat(carry, chunk) : chunk;
    let start = 0;
    for (let end; (end = bytes.indexOf(NEWLINE, start)) >= 0; start = end + 1) {
      line++;
      const text = decoder.decode(bytes.subarray(start, end)).trim();
      if (text) {
        const record = parseRecord(text);
        if (record === null) {
          throw new Error(
            `--resume ${path}: line ${line} is not a faceprint JSON Lines record (not an output ` +
              "of detect, embed or identify?)",
          );
        }
        answered.add(record);
      }
      good = offset + end + 1;
    }
    offset += start;
    carry = bytes.slice(start);
  }
  // Whatever follows the last newline is a record cut short by a kill: dropped.
  return { answered, good };
}

function parseRecord(text: string): string | null {
  try {
    const value = JSON.parse(text);
    return typeof value?.file === "string" ? value.file : null;
  } catch {
    return null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Opens `path` for resuming: what it answers already, cut after its last complete record, and a
 * writer appending to it.
 *
 * @example
 * const log = await openResume("out.jsonl");
 * if (!log.answered.has("a.jpg")) log.writer.write({ file: "a.jpg", faces: [] });
 * log.writer.close();
 */
export async function openResume<R>(path: string): Promise<ResumeLog<R>> {
  const { answered, good } = await scanOutput(path);
  const file = await openPrivateAppend(path);
  const size = (await file.stat()).size;
  if (size > good) await Deno.truncate(path, good);
  const encoder = new TextEncoder();
  return {
    answered,
    truncated: size - good,
    writer: {
      write(record) {
        const bytes = encoder.encode(JSON.stringify(record) + "\n");
        for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
      },
      close() {
        file.close();
      },
    },
  };
}
