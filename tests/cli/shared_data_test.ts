/**
 * Identification and verification on ../shared/data (skipped, with the reason printed, when the
 * folder is not beside the clone): bbt open-set and deepface pairs.
 */
import assert from "node:assert/strict";
import { runCli } from "./run_cli.ts";

const DATA = new URL("../../../shared/data/", import.meta.url).pathname;
const present = await Deno.stat(`${DATA}bbt`).then(() => true, () => false);
if (!present) console.log(`skipping shared-data CLI tests: ${DATA} not found`);

Deno.test({
  name: "bbt open set: 6 people enrolled are named, the 2 strangers come out unknown",
  ignore: !present,
  fn: async () => {
    const root = await Deno.makeTempDir();
    const people = ["amy", "bernadette", "howard", "leonard", "penny", "raj", "sheldon", "stuart"];
    const strangers = ["raj", "stuart"];
    for (const p of people) {
      await Deno.mkdir(`${root}/val/${p}`, { recursive: true });
      if (!strangers.includes(p)) await Deno.mkdir(`${root}/train/${p}`, { recursive: true });
      for (let i = 1; i <= 5; i++) {
        const split = i <= 3 ? "train" : "val";
        if (split === "train" && strangers.includes(p)) continue;
        await Deno.copyFile(`${DATA}bbt/${p}/${p}${i}.png`, `${root}/${split}/${p}/${p}${i}.png`);
      }
    }
    const { code, stdout, stderr } = await runCli(["evaluate", root, "--json"]);
    assert.equal(code, 0, stderr);
    const r = JSON.parse(stdout);
    const rows = r.rows as {
      person: string;
      faces: number;
      unknown: number;
      openSetCorrect: number;
    }[];
    const known = rows.filter((row) => !strangers.includes(row.person));
    const unknownStrangers = rows.filter((row) => strangers.includes(row.person));
    const knownRate = known.reduce((s, x) => s + x.openSetCorrect, 0) /
      known.reduce((s, x) => s + x.faces, 0);
    const strangerRate = unknownStrangers.reduce((s, x) => s + x.unknown, 0) /
      unknownStrangers.reduce((s, x) => s + x.faces, 0);
    console.log(
      `bbt: enrolled named right ${(knownRate * 100).toFixed(1)}%, strangers unknown ${
        (strangerRate * 100).toFixed(1)
      }%`,
    );
    assert.equal(r.testAccuracy, 1);
    assert.ok(knownRate >= 0.9);
    assert.ok(strangerRate >= 0.75);
  },
});

Deno.test({
  name:
    "deepface master.csv: verification pairs separate (ROC AUC, accuracy at the default threshold)",
  ignore: !present,
  fn: async () => {
    const { code, stdout, stderr } = await runCli([
      "evaluate",
      "--pairs",
      `${DATA}deepface/master.csv`,
      "--root",
      `${DATA}deepface`,
      "--pick",
      "largest",
      "--json",
    ]);
    assert.equal(code, 0, stderr);
    const m = JSON.parse(stdout);
    console.log(
      `deepface master.csv: AUC ${m.rocAuc}, accuracy at ${m.threshold}: ${m.accuracyAtThreshold}`,
    );
    assert.equal(m.pairs, 300);
    assert.ok(m.rocAuc > 0.99);
    assert.ok(m.accuracyAtThreshold > 0.95);
  },
});
