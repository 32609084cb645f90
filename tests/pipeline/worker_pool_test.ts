import assert from "node:assert/strict";
import { createAnalyzer, mapOrdered, type Outcome } from "../../src/pipeline/worker_pool.ts";
import type { AnalyzeOptions } from "../../src/pipeline/analyze.ts";

const SAMPLES = new URL("../fixtures/npm/", import.meta.url);
const OPTIONS: AnalyzeOptions = {
  minFace: "auto",
  maxPixels: 5e7,
  pick: "all",
  flip: false,
  keepChips: true,
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The built-in fused embedder. */
const FUSED = { kind: "builtin", name: "fused" } as const;

Deno.test("mapOrdered: input order whatever finishes first, bounded in flight, errors kept", async () => {
  let inFlight = 0, most = 0;
  const outcomes: Outcome<number, number>[] = [];
  for await (
    const o of mapOrdered([30, 5, 20, 1, 10, -1], 3, async (ms) => {
      if (ms < 0) throw new Error("negative");
      inFlight++;
      most = Math.max(most, inFlight);
      await delay(ms);
      inFlight--;
      return ms * 2;
    })
  ) outcomes.push(o);
  assert.deepEqual(outcomes.map((o) => o.index), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(outcomes.slice(0, 5).map((o) => o.ok && o.value), [60, 10, 40, 2, 20]);
  const last = outcomes[5];
  assert.ok(!last.ok && last.error.message === "negative");
  assert.equal(most, 3);
});

Deno.test("mapOrdered on a stream: pulls only as room frees, yields before the source ends", async () => {
  let pulled = 0;
  let release!: () => void;
  const sourceBlocked = new Promise<void>((resolve) => release = resolve);
  async function* source() {
    for (let i = 0; i < 1_000_000; i++) {
      pulled++;
      if (i === 3) await sourceBlocked; // a `find` still searching
      yield i;
    }
  }
  const seen: number[] = [];
  for await (const o of mapOrdered(source(), 2, (n) => Promise.resolve(n * 10))) {
    seen.push(o.ok ? o.value : -1);
    if (seen.length === 3) {
      assert.ok(pulled <= 4, `pulled ${pulled} of the stream for 3 results`);
      release();
    }
    if (seen.length === 6) break;
  }
  assert.deepEqual(seen, [0, 10, 20, 30, 40, 50]);
  assert.ok(pulled <= 9, `pulled ${pulled}: no read-ahead beyond the window`);
});

Deno.test("mapOrdered: an error thrown by the source ends the run after the items before it", async () => {
  async function* source() {
    yield 1;
    yield 2;
    throw new Error("list unreadable");
  }
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const o of mapOrdered(source(), 4, (n) => Promise.resolve(n))) {
      seen.push(o.ok ? o.value : -1);
    }
  }, /list unreadable/);
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("two workers give the same faces, embeddings and chips as in-process", async () => {
  const bytes = ["sample1.jpg", "sample2.jpg", "sample4.jpg"].map((n) =>
    Deno.readFileSync(new URL(n, SAMPLES))
  );
  const local = await createAnalyzer({ detector: "mtcnn", embed: true, embedder: FUSED }, 1);
  const pool = await createAnalyzer({ detector: "mtcnn", embed: true, embedder: FUSED }, 2);
  try {
    assert.equal(pool.jobs, 2);
    assert.deepEqual(pool.embedder, {
      name: local.embedder!.name,
      hash: local.embedder!.hash,
      size: local.embedder!.size,
    });
    assert.equal(pool.embedder!.size, 320);
    const expected = [];
    for (const b of bytes) expected.push(await local.analyze(b, OPTIONS));
    const got = await Promise.all(bytes.map((b) => pool.analyze(b, OPTIONS)));
    assert.deepEqual(got, expected);
    assert.ok(got.every((r) => r.faces.length > 0 && r.faces.every((f) => f.chip)));
    // A corrupt image fails alone; the workers go on.
    await assert.rejects(() => pool.analyze(new Uint8Array([0xff, 0xd8, 0xff]), OPTIONS), /JPEG/);
    assert.deepEqual(await pool.analyze(bytes[0], OPTIONS), expected[0]);
  } finally {
    pool.close();
    local.close();
  }
});

Deno.test("a pool whose models cannot load rejects with the reason", async () => {
  await assert.rejects(
    () =>
      createAnalyzer({
        detector: "mtcnn",
        embed: true,
        embedder: {
          kind: "graph",
          path: "/nonexistent/model.json",
          options: { normalization: "standardize" },
        },
      }, 2),
    /nonexistent\/model\.json/,
  );
});
