/**
 * Runs a benchmark subprocess and measures it from outside: wall time, when each stdout line
 * arrived (the first one is the time to first result), and peak RSS (VmHWM from /proc, polled;
 * null where /proc is missing).
 */

/** What a measured run gave. */
export interface MeasuredRun {
  code: number;
  /** Spawn to exit, ms. */
  wallMs: number;
  /** Arrival of each stdout line, ms after spawn. */
  lineMs: number[];
  /** Peak resident set size, MiB (null when it could not be read). */
  peakRssMiB: number | null;
  /** Resident set size about once a second: `[ms after spawn, MiB]`. */
  rssSeries: [number, number][];
  stdout: string;
  stderr: string;
}

const POLL_MS = 25;

/** Current and peak resident set size of `pid`, MiB; null once the process is gone. */
async function residentMiB(pid: number): Promise<{ now: number; peak: number } | null> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1]);
    return { now: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/**
 * Spawns `command args` (stdin closed) and measures it.
 *
 * @example
 * const run = await measure("node", ["tasks/peer/run.mjs", "--detector", "tiny", ...]);
 */
export async function measure(
  command: string,
  args: string[],
  options: { cwd?: string | URL } = {},
): Promise<MeasuredRun> {
  const start = performance.now();
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let peak: number | null = null;
  const rssSeries: [number, number][] = [];
  let running = true;
  const poller = (async () => {
    while (running) {
      const rss = await residentMiB(child.pid);
      if (rss && Number.isFinite(rss.peak)) {
        peak = rss.peak;
        const at = performance.now() - start;
        if (!rssSeries.length || at - rssSeries[rssSeries.length - 1][0] >= 1000) {
          rssSeries.push([Math.round(at), Math.round(rss.now)]);
        }
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  const lineMs: number[] = [];
  const chunks: Uint8Array[] = [];
  const readStdout = (async () => {
    for await (const chunk of child.stdout) {
      const now = performance.now() - start;
      for (const byte of chunk) if (byte === 10) lineMs.push(now);
      chunks.push(chunk);
    }
  })();
  const decoder = new TextDecoder();
  const stderr = new Response(child.stderr).text();
  const status = await child.status;
  const wallMs = performance.now() - start;
  running = false;
  await Promise.all([poller, readStdout]);
  const stdout = chunks.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
  return {
    code: status.code,
    wallMs,
    lineMs,
    peakRssMiB: peak,
    rssSeries,
    stdout,
    stderr: await stderr,
  };
}
