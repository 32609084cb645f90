import assert from "node:assert/strict";
import { boundedRandInt, Mt19937 } from "../../src/classify/mt19937.ts";

Deno.test("Mt19937 reproduces std::mt19937 (the C++ standard's 10000th value)", () => {
  const rng = new Mt19937(5489);
  assert.equal(rng.nextUint32(), 3499211612);
  for (let n = 2; n < 10000; n++) rng.nextUint32();
  assert.equal(rng.nextUint32(), 4123659995);
});

Deno.test("Mt19937.seed restarts the sequence", () => {
  const rng = new Mt19937(209652396);
  const first = [rng.nextUint32(), rng.nextUint32()];
  rng.seed(209652396);
  assert.deepEqual([rng.nextUint32(), rng.nextUint32()], first);
});

// Expected values: Python integers on the generator's outputs (3499211612, 581869302, ... from
// numpy's RandomState(5489), the same twister), computed with newrand.h's algorithm.
Deno.test("boundedRandInt matches scikit-learn's bounded_rand_int, 64-bit products included", () => {
  const cases: [number, number][] = [
    [10, 8],
    [3, 2],
    [123456789, 100583170],
    [4000000000, 3258894767],
    [2147483655, 1749605811],
  ];
  for (const [range, expected] of cases) {
    assert.equal(boundedRandInt(new Mt19937(5489), range), expected, `range ${range}`);
  }
});

Deno.test("boundedRandInt rejects and redraws as newrand.h does", () => {
  const rng = new Mt19937(5489);
  assert.equal(boundedRandInt(rng, 3003000009), 406837444); // first draw rejected
  assert.equal(rng.nextUint32(), 3890346734); // so it consumed two outputs
});
