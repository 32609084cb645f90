/**
 * Opens an HTML report in Debian's headless Chromium: takes a screenshot and reports what the page
 * did that a self-contained report must not do (console messages such as CSP violations or
 * errors, network requests the page started, references to other files or hosts in its DOM).
 *
 * As a script, writes screenshots for the README:
 *   deno run --allow-read --allow-write --allow-run tasks/chromium.ts REPORT.html OUT.png [WIDTH]
 * (install Chromium first: apt-get update && apt-get install -y chromium).
 */
import { decodeImage } from "../src/image/decode.ts";
import { encodePng } from "../src/image/encode_png.ts";
import { resizeBilinear } from "../src/image/resize.ts";

/** What Chromium saw when it opened a page. */
export interface PageCheck {
  /** Console lines the page produced (CSP violations, script errors, ...). */
  console: string[];
  /** URLs of network requests the page started (http, https, ws, ...). */
  requests: string[];
  /** src/href/url() values in the rendered DOM that are not data: URIs or #fragments. */
  externalRefs: string[];
  /** The rendered DOM, as Chromium serialised it. */
  dom: string;
}

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome"];

/** The first Chromium on PATH that runs, or null. */
export async function findChromium(): Promise<string | null> {
  for (const name of CANDIDATES) {
    try {
      const { success } = await new Deno.Command(name, {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return name;
    } catch {
      // not installed under this name
    }
  }
  return null;
}

/** Flags that keep Chromium's own background traffic out (the page's is what is checked). */
const QUIET = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--hide-scrollbars",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-default-apps",
  // Any host name the page might ask for resolves to nothing.
  "--host-resolver-rules=MAP * ~NOTFOUND",
];

async function run(chromium: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = await Deno.makeTempDir({ prefix: "faceprint-chromium-" });
  try {
    const out = await new Deno.Command(chromium, {
      args: [...QUIET, `--user-data-dir=${profile}`, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return { stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

/** URLs of requests the page (top frame file://) started, from a Chromium net log. */
function pageRequests(netLog: string): string[] {
  const log = JSON.parse(netLog) as {
    constants: { logEventTypes: Record<string, number> };
    events: { type: number; params?: { url?: string; network_isolation_key?: string } }[];
  };
  const start = log.constants.logEventTypes["URL_REQUEST_START_JOB"];
  return log.events
    .filter((e) => e.type === start && e.params?.network_isolation_key?.includes("file://"))
    .map((e) => e.params!.url!);
}

/** Attribute and CSS references in `dom` that point outside the page. */
export function externalReferences(dom: string): string[] {
  const refs: string[] = [];
  const attr =
    /\s(?:src|href|xlink:href|srcset|poster|action|data|background)\s*=\s*("[^"]*"|'[^']*')/gi;
  for (const m of dom.matchAll(attr)) refs.push(m[1].slice(1, -1));
  for (const m of dom.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi)) refs.push(m[2]);
  return refs.filter((r) => !r.startsWith("data:") && !r.startsWith("#"));
}

/**
 * Opens `htmlFile` twice in headless Chromium: once to screenshot it (`size` "W,H" window) with a
 * net log and console logging, once to dump the rendered DOM.
 *
 * @example
 * const check = await openInChromium("chromium", "report.html", "shot.png");
 * if (check.requests.length) throw new Error("the report asked the network");
 */
export async function openInChromium(
  chromium: string,
  htmlFile: string,
  screenshot: string,
  size = "1200,1800",
): Promise<PageCheck> {
  const url = new URL(`file://${await Deno.realPath(htmlFile)}`).href;
  const netLog = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const shot = await run(chromium, [
      "--enable-logging=stderr",
      "--v=0",
      `--log-net-log=${netLog}`,
      `--window-size=${size}`,
      `--screenshot=${screenshot}`,
      url,
    ]);
    const consoleLines = shot.stderr.split("\n").filter((l) => l.includes(":CONSOLE"));
    const requests = pageRequests(await Deno.readTextFile(netLog));
    const { stdout: dom } = await run(chromium, ["--dump-dom", url]);
    return { console: consoleLines, requests, externalRefs: externalReferences(dom), dom };
  } finally {
    await Deno.remove(netLog);
  }
}

/** Scales a PNG screenshot down to `width` pixels wide (for small files in the repository). */
export async function shrinkScreenshot(file: string, width: number): Promise<void> {
  const image = decodeImage(await Deno.readFile(file));
  if (image.width <= width) return;
  const height = Math.round(image.height * width / image.width);
  await Deno.writeFile(file, encodePng(resizeBilinear(image, width, height), 9));
}

if (import.meta.main) {
  const [html, out, width] = Deno.args;
  if (!html || !out) {
    console.error("usage: tasks/chromium.ts REPORT.html OUT.png [WIDTH]");
    Deno.exit(2);
  }
  const chromium = await findChromium();
  if (!chromium) {
    console.error("no chromium on PATH (apt-get update && apt-get install -y chromium)");
    Deno.exit(1);
  }
  const check = await openInChromium(chromium, html, out);
  if (width) await shrinkScreenshot(out, Number(width));
  console.log(JSON.stringify({
    console: check.console,
    requests: check.requests,
    externalRefs: check.externalRefs,
  }));
}
