import { RUN_FLAGS } from "../../tasks/permissions.ts";
import { smoke } from "../../tasks/smoke.ts";

Deno.test("smoke script passes against the CLI from source (version, detect, enroll, train, identify, verify)", async () => {
  // smoke() throws on the first failed check, with the command's output.
  await smoke([
    Deno.execPath(),
    "run",
    ...RUN_FLAGS,
    new URL("../../src/main.ts", import.meta.url).pathname,
  ]);
});
