/**
 * A short seeded fuzz round (tasks/fuzz.ts) in the test suite: mutated JPEG, PNG, GIF, BMP, TIFF,
 * ICO, WebP and AVIF files through the decoders, a few through the full detect path, with no
 * finding.
 */
import assert from "node:assert/strict";
import { decodeImage } from "../../src/image/decode.ts";
import { ImageError } from "../../src/image/errors.ts";
import { SAMPLES } from "../cli/run_cli.ts";
import { buildSeeds, fuzzInput } from "./fuzz_inputs.ts";

const FUZZ = new URL("../../tasks/fuzz.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("fuzz: 600 mutated images (20 through detection), no crash, hang, leak or stray exception", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      FUZZ,
      "--seed",
      "11",
      "--count",
      "600",
      "--detect-count",
      "20",
      "--timeout-ms",
      "20000",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, text + new TextDecoder().decode(stderr));
  const summary = text.trim().split("\n").at(-1)!;
  const field = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(summary)?.[1]);
  assert.equal(field("inputs"), 600, summary);
  assert.equal(field("detect"), 20, summary);
  assert.equal(field("findings"), 0, summary);
  assert.equal(field("masked"), 0, summary);
  // The mutations exercise both outcomes: some inputs still decode, most are refused.
  assert.ok(field("ok") > 30 && field("rejected") > 300, summary);
});

Deno.test("fuzz: 300 mutated WebP and AVIF files (6 through detection), no finding", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      FUZZ,
      ...["--seed", "5", "--count", "300", "--detect-count", "6", "--formats", "webp,avif"],
      ...["--timeout-ms", "20000"],
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, text + new TextDecoder().decode(stderr));
  const summary = text.trim().split("\n").at(-1)!;
  const field = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(summary)?.[1]);
  assert.equal(field("inputs"), 300, summary);
  assert.equal(field("findings"), 0, summary);
  assert.equal(field("masked"), 0, summary);
  assert.ok(field("ok") > 20 && field("rejected") > 150, summary);
  assert.match(text, /truncated WebP/);
  assert.match(text, /truncated AVIF/);
});

Deno.test("fuzz inputs are reproducible from (seed, index) and every seed image is valid", () => {
  const seeds = buildSeeds(Deno.readFileSync(`${SAMPLES}sample1.jpg`));
  assert.deepEqual(
    [...new Set(seeds.map((s) => s.format))].sort(),
    ["bmp", "gif", "ico", "jpeg", "png", "tiff"],
  );
  for (const seed of seeds) {
    const image = decodeImage(seed.bytes);
    assert.ok(image.width > 0 && image.data.length === image.width * image.height * 3, seed.name);
  }
  for (const index of [0, 1, 977, 123456]) {
    const a = fuzzInput(seeds, 5, index, false);
    const b = fuzzInput(seeds, 5, index, false);
    assert.deepEqual(a.bytes, b.bytes);
    assert.deepEqual(a.steps, b.steps);
    assert.ok(a.steps.length >= 1 && a.steps.length <= 4);
  }
  assert.notDeepEqual(fuzzInput(seeds, 5, 1, false).bytes, fuzzInput(seeds, 6, 1, false).bytes);
});

Deno.test("after a WASM decoder trap, JPEG, GIF and TIFF still decode valid images exactly", () => {
  const seeds = buildSeeds(Deno.readFileSync(`${SAMPLES}sample1.jpg`));
  for (const format of ["jpeg", "gif", "tiff"] as const) {
    const valid = seeds.find((s) => s.format === format)!;
    const before = decodeImage(valid.bytes);
    let trapped = 0;
    for (let index = 0; index < 1500 && trapped < 2; index++) {
      const input = fuzzInput(seeds, 11, index, false);
      if (input.seed.format !== format) continue;
      try {
        decodeImage(input.bytes);
        continue;
      } catch (error) {
        assert.ok(error instanceof ImageError, String(error));
        if (!(error.cause instanceof WebAssembly.RuntimeError)) continue;
        assert.doesNotMatch(error.message, /RuntimeError|unreachable|wasm/i, "no raw trap shown");
      }
      trapped++;
      assert.deepEqual(decodeImage(valid.bytes), before, `${format} after the trap of #${index}`);
    }
    assert.equal(trapped, 2, `${format}: found inputs that trap the decoder`);
  }
});
