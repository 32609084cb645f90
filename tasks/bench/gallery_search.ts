/**
 * Gallery search speed: ms per probe face for `identify --method nearest` over synthetic
 * galleries of 1,000 / 10,000 / 100,000 fused (320-d) faces, the blocked tfjs matrix-product index
 * against a plain JavaScript loop over faceprint's distance (the same answers, checked), one core.
 *
 * Usage: deno run -A tasks/bench/gallery_search.ts [--sizes 1000,10000,100000] [--probes 256]
 *        [--out FILE]  (also run by `deno task bench`)
 */
import { parseArgs } from "node:util";
import { buildGalleryIndex } from "../../src/identify/gallery_index.ts";
import { faceDistance, partSizesOf } from "../../src/identify/metric.ts";
import { median } from "./stats.ts";

const EMBEDDER = "fused-v1";

/**
 * Seeded random vectors shaped like a stamped embedder's: parts of `sizes`, each a unit vector
 * × 1/√k (one part: plain unit vectors).
 *
 * @example
 * syntheticFaces(1000, [128, 192], 7); // 1,000 fused-like 320-d vectors
 */
export function syntheticFaces(n: number, sizes: readonly number[], seed: number): Float32Array[] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const dim = sizes.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, () => {
    const v = new Float32Array(dim);
    let offset = 0;
    for (const size of sizes) {
      let norm = 0;
      for (let i = 0; i < size; i++) norm += (v[offset + i] = next()) ** 2;
      const k = 1 / Math.sqrt(norm * sizes.length);
      for (let i = 0; i < size; i++) v[offset + i] *= k;
      offset += size;
    }
    return v;
  });
}

/** ms per probe for each gallery size, index and loop, with the median of `reps` runs. */
export async function benchGallerySearch(sizes: number[], probeCount: number, reps = 3) {
  const rows = [];
  const distance = faceDistance(EMBEDDER);
  for (const size of sizes) {
    const sizes = partSizesOf(EMBEDDER, 320);
    const gallery = syntheticFaces(size, sizes, size);
    const probes = syntheticFaces(probeCount, sizes, 7);
    const buildStart = performance.now();
    const index = await buildGalleryIndex(gallery, partSizesOf(EMBEDDER, 320));
    const buildMs = performance.now() - buildStart;
    await index.nearest(probes.slice(0, 8), 1); // warm-up
    const indexMs = [];
    let found: Awaited<ReturnType<typeof index.nearest>> = [];
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      found = await index.nearest(probes, 1);
      indexMs.push((performance.now() - t) / probes.length);
    }
    index.dispose();
    const loopProbes = probes.slice(0, Math.max(4, Math.round(probeCount * 1000 / size)));
    const loopMs = [];
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      loopProbes.forEach((p, i) => {
        let best = Infinity, bestIndex = -1;
        for (let j = 0; j < gallery.length; j++) {
          const d = distance(p, gallery[j]);
          if (d < best) (best = d, bestIndex = j);
        }
        if (r === 0 && bestIndex !== found[i][0].index) {
          throw new Error(`index and loop disagree on probe ${i} of gallery ${size}`);
        }
      });
      loopMs.push((performance.now() - t) / loopProbes.length);
    }
    const row = {
      galleryFaces: size,
      probes: probeCount,
      buildMs: Math.round(buildMs),
      indexMsPerProbe: Number(median(indexMs).toFixed(3)),
      loopMsPerProbe: Number(median(loopMs).toFixed(3)),
    };
    console.error(`gallery search: ${JSON.stringify(row)}`);
    rows.push({ ...row, speedup: Number((row.loopMsPerProbe / row.indexMsPerProbe).toFixed(1)) });
  }
  return rows;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "1000,10000,100000" },
      probes: { type: "string", default: "256" },
      out: { type: "string" },
    },
  });
  const rows = await benchGallerySearch(
    values.sizes.split(",").map(Number),
    Number(values.probes),
  );
  const text = JSON.stringify({ embedder: EMBEDDER, rows }, null, 1);
  if (values.out) await Deno.writeTextFile(values.out, text + "\n");
  else console.log(text);
}
