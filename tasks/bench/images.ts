/**
 * The benchmark's fixed image set: the npm-shipped samples always, plus the shared photo folders
 * when present, and a train/val split of the labelled bbt crops for the identification model.
 */
import { IMAGE_EXTENSIONS } from "../../src/cli/inputs.ts";

/** Repo root. */
export const ROOT = new URL("../../", import.meta.url);
/** The npm-shipped 1920-px group photos (placed by `deno task models`). */
export const SAMPLES = new URL("tests/fixtures/npm/", ROOT);
/** Shared development data beside the repo. */
export const SHARED = new URL("../shared/data/", ROOT);
/** Shared folders the benchmark uses when present. */
export const SHARED_SETS = ["bbt", "groups", "human", "deepface"] as const;

/** One labelled face crop: its path and person. */
export interface Labelled {
  path: string;
  person: string;
}

/** The images and the labelled split. */
export interface ImageSet {
  /** Every image, in a fixed order (samples first, then each shared folder sorted). */
  images: string[];
  /** Which folders were found (`samples` always). */
  sets: string[];
  /** Training crops for the identification model (3 per bbt person, or one per sample). */
  train: Labelled[];
  /** Held-out crops to score identification on (empty without bbt). */
  val: Labelled[];
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

async function imagesUnder(dir: URL): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) found.push(...await imagesUnder(url));
    else if (IMAGE_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) {
      found.push(url.pathname);
    }
  }
  return found.sort();
}

/** bbt's `<person>/<person><n>.png` crops: the first three of each person train, the rest val. */
async function bbtSplit(bbt: URL): Promise<{ train: Labelled[]; val: Labelled[] }> {
  const train: Labelled[] = [], val: Labelled[] = [];
  const people = [];
  for await (const e of Deno.readDir(bbt)) if (e.isDirectory && e.name !== "extra") people.push(e);
  for (const person of people.map((e) => e.name).sort()) {
    const crops = await imagesUnder(new URL(`${person}/`, bbt));
    crops.forEach((path, i) => (i < 3 ? train : val).push({ path, person }));
  }
  return { train, val };
}

/**
 * Lists the benchmark images; `quick` keeps only the samples (and no identification split beyond
 * them).
 *
 * @example
 * const { images, train } = await imageSet(false);
 */
export async function imageSet(quick: boolean): Promise<ImageSet> {
  const samples = await imagesUnder(SAMPLES);
  if (samples.length === 0) throw new Error(`no sample photos in ${SAMPLES.pathname}`);
  const set: ImageSet = {
    images: [...samples],
    sets: ["samples"],
    train: samples.map((path) => ({ path, person: path.split("/").pop()!.split(".")[0] })),
    val: [],
  };
  if (quick) return set;
  for (const name of SHARED_SETS) {
    const dir = new URL(`${name}/`, SHARED);
    if (!await exists(dir)) continue;
    set.sets.push(name);
    set.images.push(...await imagesUnder(dir));
    if (name === "bbt") Object.assign(set, await bbtSplit(dir));
  }
  return set;
}

/**
 * Faces expected in an image when its name says (`groups/NNN_K.jpg` has K faces), else null.
 *
 * @example
 * expectedFaces("/data/groups/016_8.jpg"); // 8
 */
export function expectedFaces(path: string): number | null {
  const m = path.match(/\/groups\/\d{3}_(\d)\.jpg$/);
  return m ? Number(m[1]) : null;
}
