import assert from "node:assert/strict";
import { parsePairs } from "../../src/evaluate/pairs.ts";

Deno.test("LFW pairs.txt: folds, same/different lines, zero-padded paths", () => {
  const text =
    "2\t1\nAl_Gore\t1\t2\nAl_Gore\t3\tBo_Derek\t12\nCy_Young\t4\t5\nCy_Young\t1\tDi_Eve\t2\n";
  const pairs = parsePairs(text, "pairs.txt");
  assert.deepEqual(pairs[0], {
    a: "Al_Gore/Al_Gore_0001.jpg",
    b: "Al_Gore/Al_Gore_0002.jpg",
    same: true,
    fold: 0,
  });
  assert.deepEqual(pairs[1], {
    a: "Al_Gore/Al_Gore_0003.jpg",
    b: "Bo_Derek/Bo_Derek_0012.jpg",
    same: false,
    fold: 0,
  });
  assert.equal(pairs[2].fold, 1);
  assert.equal(pairs[3].same, false);
});

Deno.test("LFW pairs.txt with a wrong count names the problem", () => {
  assert.throws(() => parsePairs("2\t1\nA\t1\t2\n", "p.txt"), /expected 4 pair lines/);
});

Deno.test("CSV pairs: header skipped, yes/no and 1/0 read, extra columns ignored", () => {
  const text = 'file_x,file_y,Decision,score\na.jpg,b.jpg,Yes,0.3\n"c,1.jpg",d.jpg,0,0.9\n';
  const pairs = parsePairs(text, "m.csv");
  assert.equal(pairs.length, 2);
  assert.deepEqual(pairs[1], { a: "c,1.jpg", b: "d.jpg", same: false, fold: 1 });
});

Deno.test("CSV pairs: a header named a,b,same is a header, not a pair", () => {
  assert.equal(parsePairs("a,b,same\nx.jpg,y.jpg,1\n", "m.csv").length, 1);
});

Deno.test("CSV pairs: a bad decision value names the line", () => {
  assert.throws(() => parsePairs("a.jpg,b.jpg,yes\nc.jpg,d.jpg,maybe\n", "m.csv"), /m.csv: line 2/);
});
