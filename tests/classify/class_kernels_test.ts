import assert from "node:assert/strict";
import { ClassKernels } from "../../src/classify/class_kernels.ts";

Deno.test("ClassKernels.pair is the dot-product matrix of class i's vectors then class j's", () => {
  const dim = 5;
  const vectors = Array.from(
    { length: 13 },
    (_, n) => Float32Array.from({ length: dim }, (_, d) => Math.sin(n * 7 + d * 3)),
  );
  // Unequal classes, sizes not multiples of 4, members interleaved in the input.
  const members = [[0, 3, 6, 9, 12], [1, 4, 7], [2, 5, 8, 10, 11]];
  const kernels = new ClassKernels(vectors, members, dim);
  for (const [i, j] of [[0, 1], [0, 2], [1, 2]]) {
    const order = [...members[i], ...members[j]];
    const gram = kernels.pair(i, j);
    assert.equal(gram.length, order.length ** 2);
    order.forEach((a, r) =>
      order.forEach((b, c) => {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += vectors[a][d] * vectors[b][d];
        assert.equal(gram[r * order.length + c], dot, `(${i}, ${j}) entry ${r}, ${c}`);
      })
    );
  }
});
