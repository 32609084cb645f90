/**
 * Tests for `deno task compile` (tasks/compile.ts) and the CI / release workflows.
 *
 * The end-to-end tests run the real task with the download of `denort` made impossible (an HTTPS
 * proxy on a closed local port); on a machine that already has denort cached they accept a built
 * binary instead of the explained failure, so they pass online and offline.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  binaryName,
  compileArgs,
  embeddingProblems,
  explainCompileFailure,
  type GraphInfo,
  reachableNpmPackages,
  TARGETS,
  WORKER_MODULES,
} from "../../tasks/compile.ts";
import { BINARY_PERMISSIONS } from "../../tasks/permissions.ts";

const ROOT = new URL("../../", import.meta.url);
const TIMEOUT_MS = 240_000;

/** What `deno compile` 2.9.6 prints when it cannot download denort (no DNS on the machine). */
const DOWNLOAD_FAILURE = `Check src/main.ts
Compile src/main.ts to dist/faceprint
Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip
error: Writing deno compile executable to temporary file 'dist/faceprint.tmp-641fa1756fcc77c9'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
    2: client error (Connect)
    3: dns error
    4: failed to lookup address information: Name or service not known

Stack backtrace:
   0: <unknown>
`;

Deno.test("binaryName: host build is plain faceprint, named targets carry the target", () => {
  assert.equal(binaryName("x86_64-unknown-linux-gnu", false), "faceprint");
  assert.equal(binaryName("x86_64-pc-windows-msvc", false), "faceprint.exe");
  assert.equal(binaryName("aarch64-apple-darwin", true), "faceprint-aarch64-apple-darwin");
  assert.equal(
    binaryName("x86_64-pc-windows-msvc", true),
    "faceprint-x86_64-pc-windows-msvc.exe",
  );
});

Deno.test("compileArgs: exactly the binary's permissions, no prompt, graph-only npm", () => {
  const args = compileArgs("aarch64-apple-darwin", "out/fp", ["/cache/a.js.map"]);
  assert.deepEqual(args.filter((a) => a.startsWith("--allow") || a === "-A"), [
    ...BINARY_PERMISSIONS,
  ]);
  assert.ok(args.includes("--no-prompt"));
  assert.ok(args.includes("--node-modules-dir=none"), "must not embed the local node_modules/");
  assert.ok(args.includes("--exclude-unused-npm"));
  assert.deepEqual(args.slice(args.indexOf("--exclude"), args.indexOf("--exclude") + 2), [
    "--exclude",
    "/cache/a.js.map",
  ]);
  assert.equal(args[args.indexOf("--target") + 1], "aarch64-apple-darwin");
  assert.equal(args[args.indexOf("--output") + 1], "out/fp");
  assert.equal(args[0], "compile");
  assert.equal(args.at(-1), "src/main.ts");
});

Deno.test("compileArgs: every worker module under src/ is embedded with --include", async () => {
  const started: string[] = [];
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts")) {
        const text = await Deno.readTextFile(url);
        for (const m of text.matchAll(/new Worker\(\s*new URL\("([^"]+)", import\.meta\.url\)/g)) {
          started.push(new URL(m[1], url).href.slice(ROOT.href.length));
        }
      }
    }
  };
  await walk(new URL("src/", ROOT));
  assert.ok(started.length > 0, "the analysis pool starts workers");
  assert.deepEqual([...new Set(started)].sort(), [...WORKER_MODULES].sort());
  const args = compileArgs("x86_64-unknown-linux-gnu", "out/fp", []);
  for (const path of WORKER_MODULES) {
    assert.ok(args.some((a, i) => a === "--include" && args[i + 1] === path), `${path} included`);
    await Deno.stat(new URL(path, ROOT));
  }
});

Deno.test("explainCompileFailure: a failed denort download becomes offline instructions", () => {
  const text = explainCompileFailure(DOWNLOAD_FAILURE, "/home/me/.cache/deno");
  assert.ok(text);
  assert.match(text, /^cannot download denort for x86_64-unknown-linux-gnu \(no network\?\)/);
  assert.match(text, /Name or service not known/);
  assert.match(text, /DENORT_BIN=\/path\/to\/denort deno task compile --target x86_64-unknown/);
  assert.match(text, /releases\/tag\/v2\.9\.6/);
  assert.match(
    text,
    /\/home\/me\/\.cache\/deno\/dl\/release\/v2\.9\.6\/denort-x86_64-unknown-linux-gnu\.zip/,
  );
  assert.doesNotMatch(text, /Stack backtrace|<unknown>/);
});

Deno.test("explainCompileFailure: a DENORT_BIN naming a missing file is called out", () => {
  const stderr = `error: Writing deno compile executable to temporary file 'x.tmp'

Caused by:
    0: Could not find denort at '/opt/denort'
    1: No such file or directory (os error 2)
`;
  assert.match(explainCompileFailure(stderr, "/d") ?? "", /DENORT_BIN is set to '\/opt\/denort'/);
});

Deno.test("explainCompileFailure: other failures (type errors) are left to deno's message", () => {
  const stderr = "TS2305 [ERROR]: Module has no exported member 'x'.\nerror: Type checking failed.";
  assert.equal(explainCompileFailure(stderr, "/d"), null);
});

Deno.test("embeddingProblems: flags test files and models not marked embedded", () => {
  const root = new URL("file:///repo/");
  const files = [
    { dest: "models/a.bin", embedded: true },
    { dest: "models/b.bin", embedded: false },
    { dest: "tests/fixtures/npm/c.jpg", embedded: false },
  ];
  const graph = (names: string[]): GraphInfo => ({
    modules: names.map((n) => ({ specifier: `file:///repo/${n}` })),
    npmPackages: {},
  });
  assert.deepEqual(
    embeddingProblems(graph(["src/main.ts", "models/a.bin", "models/manifest.json"]), files, root),
    [],
  );
  const problems = embeddingProblems(
    graph(["src/main.ts", "models/b.bin", "tests/fixtures/npm/c.jpg"]),
    files,
    root,
  );
  assert.equal(problems.length, 2);
  assert.match(problems[0], /models\/b\.bin .*not marked embedded/);
  assert.match(problems[1], /tests\/fixtures\/npm\/c\.jpg is under tests\//);
});

Deno.test("reachableNpmPackages: imported packages and their dependencies, nothing else", () => {
  const graph: GraphInfo = {
    modules: [{ specifier: "npm:/core@1", kind: "npm", npmPackage: "core@1" }],
    npmPackages: {
      "core@1": { dependencies: ["long@4", "seedrandom@3"] },
      "long@4": { dependencies: [] },
      "seedrandom@3": { dependencies: ["long@4"] },
      "face-api@1": { dependencies: ["core@1"] },
    },
  };
  assert.deepEqual(reachableNpmPackages(graph), ["core@1", "long@4", "seedrandom@3"]);
});

/** Runs `deno task compile ARGS` with extra environment; returns exit code and output. */
async function runCompileTask(
  args: string[],
  env: Record<string, string>,
  unsetDenortBin: boolean,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const deno = [Deno.execPath(), "task", "--quiet", "compile", ...args];
  // `env -u` removes an inherited DENORT_BIN (the tests have no env permission to read it).
  const [cmd, ...rest] = unsetDenortBin && Deno.build.os !== "windows"
    ? ["env", "-u", "DENORT_BIN", ...deno]
    : deno;
  const out = await new Deno.Command(cmd, {
    args: rest,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Proxies on a closed local port: any download fails at once, online or not. */
const NO_DOWNLOADS = {
  HTTPS_PROXY: "http://127.0.0.1:9",
  https_proxy: "http://127.0.0.1:9",
  NO_PROXY: "",
  no_proxy: "",
};

Deno.test({
  name: "compile task: without denort it exits 1 explaining the offline options",
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "faceprint-compile-" });
    try {
      const run = await runCompileTask(["--out-dir", outDir], NO_DOWNLOADS, true);
      const binary = join(outDir, binaryName(Deno.build.target, false));
      if (run.code === 0) {
        // denort was already in this machine's DENO_DIR cache: a real binary was built.
        const { size } = await Deno.stat(binary);
        assert.ok(size > 20 * 2 ** 20, `binary of ${size} bytes cannot hold the weights`);
        assert.match(run.stdout, /MiB \([\d,]+ bytes\)/);
        return;
      }
      assert.equal(run.code, 1, run.stderr);
      const expected = new RegExp(`cannot download denort for ${Deno.build.target}`);
      assert.match(run.stderr, expected, run.stderr);
      assert.match(run.stderr, /set DENORT_BIN/);
      assert.doesNotMatch(run.stderr, /Stack backtrace|^\s+at /m);
      await assert.rejects(Deno.stat(binary), Deno.errors.NotFound);
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "compile task: a DENORT_BIN naming a missing file exits 1 saying so",
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "faceprint-compile-" });
    try {
      const denort = join(outDir, "no-such-denort");
      const run = await runCompileTask(["--out-dir", outDir], { DENORT_BIN: denort }, false);
      assert.equal(run.code, 1, run.stderr);
      const expected = `DENORT_BIN is set to '${denort}', which cannot be read`;
      assert.ok(run.stderr.includes(expected), run.stderr);
      assert.doesNotMatch(run.stderr, /Stack backtrace/);
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});

Deno.test("compile task: --all refuses a DENORT_BIN (one runtime cannot serve five targets)", async () => {
  const run = await runCompileTask(["--all"], { DENORT_BIN: "/opt/denort" }, false);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /DENORT_BIN names one denort binary/);
});

/** Parses the workflow files as YAML with npm:yaml in a separate, config-free deno. */
async function parseWorkflows(names: string[]): Promise<Record<string, unknown>[]> {
  const code = 'import { parse } from "npm:yaml@2.8.1";' +
    "console.log(JSON.stringify(Deno.args.map((f) => parse(Deno.readTextFileSync(f)))));";
  const paths = names.map((n) => fileURLToPath(new URL(`.github/workflows/${n}`, ROOT)));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", "--no-config", code, ...paths],
    stdin: "null",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  steps: Step[];
  strategy?: { matrix: { include: { target: string; runner: string; smoke: boolean }[] } };
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

function denoVersions(workflow: Workflow): unknown[] {
  return Object.values(workflow.jobs).flatMap((job) =>
    job.steps.filter((s) => s.uses?.startsWith("denoland/setup-deno@"))
      .map((s) => s.with?.["deno-version"])
  );
}

function runs(job: Job): string {
  return job.steps.map((s) => s.run ?? "").join("\n");
}

Deno.test("workflows: ci checks and tests every push and PR on Deno 2.9.6", async () => {
  const [ci] = await parseWorkflows(["ci.yml"]) as unknown as Workflow[];
  assert.ok("push" in ci.on && "pull_request" in ci.on);
  assert.deepEqual(denoVersions(ci), ["2.9.6"]);
  const all = Object.values(ci.jobs).map(runs).join("\n");
  assert.match(all, /deno task check/);
  assert.match(all, /deno task test/);
});

Deno.test("workflows: release tests, builds the five targets, smoke-tests, sums, publishes", async () => {
  const [release] = await parseWorkflows(["release.yml"]) as unknown as Workflow[];
  assert.deepEqual((release.on.push as { tags: string[] }).tags, ["v*"]);
  const versions = denoVersions(release);
  assert.ok(versions.length >= 2 && versions.every((v) => v === "2.9.6"), String(versions));

  const { test, build, publish } = release.jobs;
  assert.match(runs(test), /deno task test/);
  assert.equal(build.needs, "test");
  const matrix = build.strategy!.matrix.include;
  assert.deepEqual(matrix.map((m) => m.target).sort(), [...TARGETS].sort());
  const smoked = matrix.filter((m) => m.smoke).map((m) => `${m.target}@${m.runner}`).sort();
  assert.deepEqual(smoked, [
    "aarch64-apple-darwin@macos-14",
    "x86_64-apple-darwin@macos-13",
    "x86_64-pc-windows-msvc@windows-latest",
    "x86_64-unknown-linux-gnu@ubuntu-latest",
  ]);
  assert.match(runs(build), /deno task compile --target \$\{\{ matrix\.target \}\}/);
  assert.match(runs(build), /deno run -A tasks\/smoke\.ts dist\//);

  assert.match(runs(publish), /sha256sum faceprint-\* > SHA256SUMS\.txt/);
  const releaseStep = publish.steps.find((s) => s.uses?.startsWith("softprops/action-gh-release@"));
  assert.ok(releaseStep, "publish must create the GitHub release");
  assert.match(String(releaseStep.with?.files), /dist\/faceprint-\*[\s\S]*SHA256SUMS\.txt/);
});
