/** Output file names: an --annotate/--crops folder given with a trailing slash is joined once. */
import assert from "node:assert/strict";
import { outputPath } from "../../src/cli/names.ts";

Deno.test("outputPath joins a folder and a name with one separator", () => {
  assert.equal(outputPath("named/", "party.png"), "named/party.png");
  assert.equal(outputPath("named", "party.png"), "named/party.png");
  assert.equal(outputPath("a/b//", "c.png"), "a/b/c.png");
  assert.equal(outputPath("/", "c.png"), "/c.png");
});
