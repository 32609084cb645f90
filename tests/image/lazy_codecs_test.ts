/**
 * The WebP and AVIF decoders cost nothing until such a file arrives: in the module graph of the
 * CLI (and of its image worker) they are reached only through `import()`, never statically.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface Graph {
  roots: string[];
  modules: { specifier: string; dependencies?: Dependency[] }[];
}

async function graphOf(entry: string): Promise<Graph> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(success, `deno info ${entry}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** Every module reached from the entry; with `dynamic` false, through static imports only. */
function reached(graph: Graph, dynamic: boolean): Set<string> {
  const byName = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set(graph.roots);
  const queue = [...graph.roots];
  while (queue.length) {
    for (const d of byName.get(queue.pop()!)?.dependencies ?? []) {
      const next = d.code?.specifier;
      if (!next || seen.has(next) || (d.isDynamic && !dynamic)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}

const LAZY = [
  "src/image/codecs/webp_codec.ts",
  "src/image/codecs/avif_codec.ts",
  "models/jsquash-webp_dec.wasm",
  "models/jsquash-avif_dec.wasm",
];

Deno.test("WebP/AVIF decoders and their WASM are imported only dynamically", async () => {
  for (const entry of ["src/main.ts", "src/pipeline/image_worker.ts"]) {
    const graph = await graphOf(entry);
    const eager = reached(graph, false);
    const all = reached(graph, true);
    assert.ok(eager.has(new URL("src/image/decode.ts", ROOT).href), "the walk follows imports");
    for (const path of LAZY) {
      const url = new URL(path, ROOT).href;
      if (entry === "src/main.ts") assert.ok(all.has(url), `${path} is in the binary`);
      assert.ok(!eager.has(url), `${entry} loads ${path} at start-up`);
    }
    assert.ok(![...eager].some((s) => s.includes("@jsquash")), `${entry}: jSquash at start-up`);
  }
});
