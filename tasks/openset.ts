/**
 * `deno task openset`: the lfw-dev open-set identification protocol. People of
 * ../shared/data/lfw-dev with at least 6 photos: their first 5 photos are enrolled, the next (up
 * to 5) are probes; everyone else's first photo is a stranger's (91 people, 455 enrolled faces,
 * 250 probes, 1,994 strangers).
 *
 * - `--out DIR` copies the protocol's images into DIR/train/<person>/ and DIR/val/<person>/ (the
 *   strangers in DIR/val/strangers/), for `faceprint evaluate DIR --pick center`.
 * - `--embeddings FILE` (the output of `faceprint embed --pick center` over lfw-dev/images)
 *   scores the protocol for several `--max-false-accept` values with faceprint's own open-set
 *   rule (nearest method), without running a model.
 */
import { parseArgs } from "node:util";
import { DEFAULT_FLIP } from "../src/cli/face_options.ts";
import { STAMPED_NAMES } from "../src/embed/catalog.ts";
import { calibrationFor } from "../src/identify/calibration.ts";
import { buildGalleryIndex } from "../src/identify/gallery_index.ts";
import { partSizesOf } from "../src/identify/metric.ts";
import { identifyNearest, openSetCut } from "../src/identify/open_set.ts";
import {
  bestCut,
  type OpenSetPoint,
  openSetPoint,
  type ScoredProbe,
} from "../src/evaluate/open_set_curve.ts";

const ENROLLED = 5, MAX_PROBES = 5;

/** The protocol: relative paths ("name/name_0001.jpg"). */
export interface Protocol {
  enrolled: Map<string, string[]>;
  probes: Map<string, string[]>;
  strangers: string[];
}

/** The protocol over an LFW-style folder of `<person>/<person>_NNNN.jpg` images. */
export async function buildProtocol(images: string): Promise<Protocol> {
  const people = [];
  for await (const e of Deno.readDir(images)) if (e.isDirectory) people.push(e.name);
  people.sort();
  const protocol: Protocol = { enrolled: new Map(), probes: new Map(), strangers: [] };
  for (const person of people) {
    const files = [];
    for await (const e of Deno.readDir(`${images}/${person}`)) {
      if (e.isFile) files.push(`${person}/${e.name}`);
    }
    files.sort();
    if (files.length > ENROLLED) {
      protocol.enrolled.set(person, files.slice(0, ENROLLED));
      protocol.probes.set(person, files.slice(ENROLLED, ENROLLED + MAX_PROBES));
    } else if (files.length) protocol.strangers.push(files[0]);
  }
  return protocol;
}

async function copyOut(protocol: Protocol, images: string, out: string): Promise<void> {
  const place = async (files: string[], dir: string) => {
    await Deno.mkdir(dir, { recursive: true });
    for (const f of files) await Deno.copyFile(`${images}/${f}`, `${dir}/${f.split("/")[1]}`);
  };
  for (const [person, files] of protocol.enrolled) await place(files, `${out}/train/${person}`);
  for (const [person, files] of protocol.probes) await place(files, `${out}/val/${person}`);
  await place(protocol.strangers, `${out}/val/strangers`);
}

/** One face vector per image ("person/file.jpg") from `faceprint embed --pick center` output. */
export async function readEmbeddings(
  file: string,
): Promise<{ embedder: string; flip?: boolean; vectors: Map<string, Float32Array> }> {
  const vectors = new Map<string, Float32Array>();
  let embedder = "";
  let flip: boolean | undefined;
  for (const line of (await Deno.readTextFile(file)).split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const face = r.faces?.[0];
    if (!face?.embedding) continue;
    embedder ||= String(r.embedder ?? "").split("@")[0];
    if (typeof r.flip === "boolean") flip ??= r.flip;
    vectors.set(String(r.file).split("/").slice(-2).join("/"), Float32Array.from(face.embedding));
  }
  return { embedder, flip, vectors };
}

async function score(
  protocol: Protocol,
  file: string,
  embedderFlag: string,
  flipFlag: boolean | undefined,
) {
  const { embedder: stamped, flip: stampedFlip, vectors } = await readEmbeddings(file);
  // The records' own setting unless a flag says otherwise (records made before it was recorded
  // do not say: then the product's default).
  const flip = flipFlag ?? stampedFlip ?? DEFAULT_FLIP;
  // --embedder takes the CLI name (fused) or the stamped one (fused-v1).
  const embedder = STAMPED_NAMES[embedderFlag as keyof typeof STAMPED_NAMES] ??
    (embedderFlag || stamped);
  const calibration = calibrationFor(embedder, flip);
  if (!calibration) {
    throw new Error(
      `no calibration for "${embedder}" (flip ${flip}): give --embedder dlib|mobilefacenet|fused`,
    );
  }
  const galleryVectors: Float32Array[] = [], labels: string[] = [];
  for (const [person, files] of protocol.enrolled) {
    for (const f of files) {
      const v = vectors.get(f);
      if (v) (galleryVectors.push(v), labels.push(person));
    }
  }
  const queries: { truth: string | null; vector: Float32Array }[] = [];
  for (const [person, files] of protocol.probes) {
    for (const f of files) {
      if (vectors.has(f)) queries.push({ truth: person, vector: vectors.get(f)! });
    }
  }
  for (const f of protocol.strangers) {
    if (vectors.has(f)) queries.push({ truth: null, vector: vectors.get(f)! });
  }
  const index = await buildGalleryIndex(
    galleryVectors,
    partSizesOf(embedder, galleryVectors[0].length),
  );
  const found = await index.nearest(queries.map((q) => q.vector), 1);
  index.dispose();
  const probes: ScoredProbe[] = queries.map((q, i) => ({
    enrolled: q.truth !== null,
    candidateRight: labels[found[i][0].index] === q.truth,
    distance: found[i][0].distance,
  }));
  const enrolled = probes.filter((p) => p.enrolled);
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  console.log(
    `${embedder}${
      flip ? "+flip" : ""
    }: ${protocol.enrolled.size} people, ${galleryVectors.length} enrolled faces, ` +
      `${enrolled.length} probes, ${probes.length - enrolled.length} strangers`,
  );
  console.log(
    `nearest person right: ${
      pct(enrolled.filter((p) => p.candidateRight).length / enrolled.length)
    }`,
  );
  const best = bestCut(probes);
  console.log(
    `best cut in hindsight ${best.maxDistance.toFixed(4)}: named right ${
      pct(best.namedRight)
    }, strangers unknown ${pct(1 - best.strangersAccepted)}`,
  );
  const balanced = balancedCut(probes);
  console.log(
    `best balanced cut in hindsight ${balanced.maxDistance.toFixed(4)}: named right ${
      pct(balanced.namedRight)
    }, strangers unknown ${pct(1 - balanced.strangersAccepted)}`,
  );
  console.log("max-false-accept  cut     named right  strangers unknown");
  for (const far of [0.1, 0.05, 0.03, 0.02, 0.01, 0.005, 0.003, 0.001]) {
    const cut = openSetCut(calibration, far, galleryVectors.length);
    const point = openSetPoint(probes, cut);
    // The rule itself, to be sure the table is what identify would answer.
    const named = queries.filter((q, i) => {
      const id = identifyNearest({
        person: labels[found[i][0].index],
        distance: found[i][0].distance,
      }, { maxDistance: cut, minProbability: 0 });
      return q.truth !== null && id.name === q.truth;
    }).length;
    if (named !== Math.round(point.namedRight * enrolled.length)) {
      throw new Error("rule and curve disagree");
    }
    console.log(
      `${String(far).padEnd(18)}${cut.toFixed(4)}  ${pct(point.namedRight).padEnd(13)}${
        pct(1 - point.strangersAccepted)
      }`,
    );
  }
}

/** The cut after the fact that maximises the smaller of "named right" and "strangers unknown". */
function balancedCut(probes: ScoredProbe[]): OpenSetPoint {
  let best = openSetPoint(probes, 0);
  for (const p of probes) {
    const point = openSetPoint(probes, p.distance);
    const worse = (q: OpenSetPoint) => Math.min(q.namedRight, 1 - q.strangersAccepted);
    if (worse(point) > worse(best)) best = point;
  }
  return best;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      images: { type: "string", default: "../shared/data/lfw-dev/images" },
      out: { type: "string" },
      embeddings: { type: "string" },
      embedder: { type: "string", default: "" },
      flip: { type: "boolean" },
      "no-flip": { type: "boolean" },
    },
  });
  const protocol = await buildProtocol(values.images);
  if (values.out) {
    await copyOut(protocol, values.images, values.out);
    console.error(`openset: wrote ${values.out}/train and ${values.out}/val`);
  }
  if (values.embeddings) {
    const flip = values["no-flip"] ? false : values.flip;
    await score(protocol, values.embeddings, values.embedder, flip);
  }
  if (!values.out && !values.embeddings) {
    console.error(
      "usage: deno task openset [--images DIR] (--out DIR | --embeddings FILE.jsonl " +
        "[--embedder E] [--flip | --no-flip])",
    );
    Deno.exit(2);
  }
}
