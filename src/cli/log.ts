/**
 * Diagnostics for people, on stderr: plain lines when stderr is not a terminal, a one-line progress
 * bar when it is. Colour only on a terminal and never when NO_COLOR is set.
 */
const encoder = new TextEncoder();
const isTerminal = Deno.stderr.isTerminal();
const useColor = isTerminal && !Deno.noColor;
let barShown = false;

function write(text: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(text));
  } catch {
    // stderr closed or full: messages are lost, the work and its output go on.
  }
}

function clearBar(): void {
  if (barShown) write("\r\x1b[2K");
  barShown = false;
}

/** Prints a warning or error line: `faceprint: <message>`. */
export function warn(message: string): void {
  clearBar();
  write(`${useColor ? "\x1b[33mfaceprint:\x1b[0m" : "faceprint:"} ${message}\n`);
}

/** Prints a line for people (e.g. a summary), always. */
export function info(message: string): void {
  clearBar();
  write(`${message}\n`);
}

/**
 * Prints a progress milestone (e.g. `>loaded 14 examples for class: ben_afflek`) as a plain line
 * when stderr is not a terminal; on a terminal the progress bar says it instead.
 */
export function milestone(message: string): void {
  if (!isTerminal) write(`${message}\n`);
}

/**
 * Reports progress `done` of `total` (`undefined` while the inputs are still being listed: a
 * count instead of a bar): redraws on a terminal; otherwise prints nothing (plain per-item lines,
 * where a command wants them, go through `info`).
 */
export function progress(done: number, total: number | undefined, label: string): void {
  if (!isTerminal || total !== undefined && total <= 0) return;
  if (total === undefined) {
    write(`\r\x1b[2K[${done} done] ${label.slice(0, 60)}`);
    barShown = true;
    return;
  }
  const width = 24;
  const filled = Math.round((done / total) * width);
  const bar = "#".repeat(filled) + "-".repeat(width - filled);
  write(`\r\x1b[2K[${bar}] ${done}/${total} ${label.slice(0, 60)}`);
  barShown = done < total;
  if (!barShown) write("\r\x1b[2K");
}

/** Clears a progress line, if one is shown (at the end of a run of unknown length). */
export function endProgress(): void {
  clearBar();
}
