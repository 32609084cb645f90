/** Test people cut from the npm sample photos (alice from sample1, bea from sample6), made once. */
import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { writeTwoPeople } from "../../tasks/smoke.ts";
import { MAIN } from "./run_cli.ts";

const SOURCE = [Deno.execPath(), "run", ...RUN_FLAGS, MAIN];

/** Crop margins and sizes: each gives one distinct PNG per person. */
function crops(count: number): [number, number][] {
  return Array.from({ length: count }, (_, i) => [0.3 + 0.05 * i, 150 + 15 * i]);
}

const made = new Map<number, Promise<string>>();

/**
 * A fresh temporary folder holding `people/alice/` and `people/bea/` with `count` crops each.
 *
 * @example
 * const work = await peopleDir(5); // work/people/alice/alice0.png …
 */
export async function peopleDir(count: number): Promise<string> {
  if (!made.has(count)) {
    made.set(
      count,
      Deno.makeTempDir({ prefix: "faceprint-people-" }).then(async (dir) => {
        await writeTwoPeople(SOURCE, dir, crops(count));
        return dir;
      }),
    );
  }
  const source = await made.get(count)!;
  const work = await Deno.makeTempDir({ prefix: "faceprint-work-" });
  for (const person of ["alice", "bea"]) {
    await Deno.mkdir(`${work}/people/${person}`, { recursive: true });
    for await (const entry of Deno.readDir(`${source}/${person}`)) {
      await Deno.copyFile(
        `${source}/${person}/${entry.name}`,
        `${work}/people/${person}/${entry.name}`,
      );
    }
  }
  return work;
}
