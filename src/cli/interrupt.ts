/**
 * Ctrl-C (SIGINT): the run ends with exit code 130 and one line on stderr saying what was saved.
 * A save in progress (a gallery write under its lock) finishes first, so nothing is left half done.
 */
import { EXIT } from "./errors.ts";
import { warn } from "./log.ts";

let describeSaved = (): string => "nothing was saved";
let saving = 0;
let pending = false;

function stop(): never {
  warn(`interrupted: ${describeSaved()}`);
  Deno.exit(EXIT.interrupted);
}

/**
 * Sets what the Ctrl-C line says was saved (called again as the run makes progress).
 *
 * @example
 * reportSaved(() => `people.jsonl holds the 3 people enrolled so far`);
 */
export function reportSaved(describe: () => string): void {
  describeSaved = describe;
}

/**
 * Runs `save` with Ctrl-C held back until it has finished.
 *
 * @example
 * await whileSaving(() => writeGallery(path, gallery));
 */
export async function whileSaving<T>(save: () => Promise<T>): Promise<T> {
  saving++;
  try {
    return await save();
  } finally {
    saving--;
    if (pending && saving === 0) stop();
  }
}

/** Installs the SIGINT handler (once, from main). */
export function handleInterrupts(): void {
  try {
    Deno.addSignalListener("SIGINT", () => {
      if (saving) pending = true;
      else stop();
    });
  } catch {
    // A platform without SIGINT listeners keeps the default: the process ends at once.
  }
}
