/**
 * "It cannot send anything anywhere", enforced: code run with exactly the binary's permissions is
 * refused network, subprocesses, environment, native libraries and system information (through
 * Deno's APIs and the Node compatibility layer the npm packages use); the compile task grants
 * nothing more; and the CLI works the same whatever the environment holds.
 */
import assert from "node:assert/strict";
import { compileArgs } from "../../tasks/compile.ts";
import { BINARY_PERMISSIONS, BINARY_V8_FLAGS, RUN_FLAGS } from "../../tasks/permissions.ts";
import { MAIN } from "../cli/run_cli.ts";
import { encodePng } from "../../src/image/encode_png.ts";
import { sampleScene, withTempDir } from "./helpers.ts";

/** Each attempt prints "refused", "ALLOWED" or "other: <error>". */
const PROBE = `
const attempts = {
  "fetch 127.0.0.1": () => fetch("http://127.0.0.1:8080/"),
  "fetch example.com": () => fetch("https://example.com/"),
  "Deno.connect": () => Deno.connect({ hostname: "127.0.0.1", port: 8080 }),
  "Deno.listen": () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  "Deno.resolveDns": () => Deno.resolveDns("example.com", "A"),
  "WebSocket": () => new WebSocket("ws://127.0.0.1:8080/"),
  "Deno.Command": () => new Deno.Command("true").output(),
  "Deno.env.get": () => Deno.env.get("HOME"),
  "Deno.env.toObject": () => Deno.env.toObject(),
  "Deno.dlopen": () => Deno.dlopen("libc.so.6", {}),
  "Deno.hostname": () => Deno.hostname(),
  "Deno.osRelease": () => Deno.osRelease(),
  "Deno.networkInterfaces": () => Deno.networkInterfaces(),
  "node:http request": async () => {
    const http = await import("node:http");
    return new Promise((resolve, reject) => {
      const req = http.request("http://127.0.0.1:8080/", resolve);
      req.on("error", reject);
      req.end();
    });
  },
  "node:net connect": async () => {
    const net = await import("node:net");
    return new Promise((resolve, reject) => {
      const socket = net.connect(8080, "127.0.0.1", () => resolve(socket));
      socket.on("error", reject);
    });
  },
  "node:child_process": async () => (await import("node:child_process")).execFileSync("true"),
  "node:os hostname": async () => (await import("node:os")).hostname(),
  "process.env": async () => (await import("node:process")).env.HOME,
};
const results = {};
for (const [name, attempt] of Object.entries(attempts)) {
  try {
    await attempt();
    results[name] = "ALLOWED";
  } catch (error) {
    const refused = error instanceof Deno.errors.NotCapable ||
      error instanceof Deno.errors.PermissionDenied;
    results[name] = refused ? "refused" : "other: " + error;
  }
}
console.log(JSON.stringify(results));
`;

Deno.test("with the binary's permissions, network, processes, env, FFI and sys info are refused", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/probe.ts`, PROBE);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...RUN_FLAGS, `${dir}/probe.ts`],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    assert.equal(code, 0, text.decode(stderr));
    const results = JSON.parse(text.decode(stdout)) as Record<string, string>;
    assert.equal(Object.keys(results).length, 18);
    for (const [attempt, result] of Object.entries(results)) {
      assert.equal(result, "refused", attempt);
    }
  }));

Deno.test("the binary is compiled with read and write permissions only, and never prompts", () => {
  assert.deepEqual([...BINARY_PERMISSIONS], ["--allow-read", "--allow-write"]);
  const args = compileArgs("x86_64-unknown-linux-gnu", "dist/faceprint", []);
  const granting = args.filter((a) =>
    /^--allow-|^--permission-set|^-[A-Z]+$|^-P$/.test(a) || a === "--allow-all"
  );
  assert.deepEqual(granting, ["--allow-read", "--allow-write"]);
  assert.ok(args.includes("--no-prompt"));
  assert.deepEqual(RUN_FLAGS.filter((a) => a.startsWith("--allow")), [...BINARY_PERMISSIONS]);
});

Deno.test("deno task faceprint, the tests and the binary run with the same flags", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const task = (config.tasks.faceprint.command as string).split(" ");
  assert.deepEqual(task.slice(2, task.indexOf("src/main.ts")), [...RUN_FLAGS]);
  assert.deepEqual(task.slice(task.indexOf("src/main.ts") + 1), ["--cwd", '"$INIT_CWD"']);
  const args = compileArgs("x86_64-unknown-linux-gnu", "dist/faceprint", []);
  assert.ok(args.includes(BINARY_V8_FLAGS));
});

Deno.test("the CLI reads no environment: the same output with a hostile environment or none", () =>
  withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/face.png`, encodePng(sampleScene(320)));
    const run = async (env: Record<string, string>, clearEnv: boolean, args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", ...RUN_FLAGS, MAIN, ...args],
        cwd: dir,
        env,
        clearEnv,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
    };
    const hostile = {
      NO_COLOR: "1",
      FORCE_COLOR: "3",
      TERM: "xterm-256color",
      HOME: "/nonexistent",
      LANG: "tr_TR.UTF-8",
      LC_ALL: "tr_TR.UTF-8",
      TZ: "Pacific/Chatham",
      TF_CPP_MIN_LOG_LEVEL: "0",
      NODE_OPTIONS: "--inspect",
      HTTP_PROXY: "http://127.0.0.1:9",
      HTTPS_PROXY: "http://127.0.0.1:9",
    };
    for (
      const args of [
        ["embed", `${dir}/face.png`],
        ["enroll", "--name", "ann", `${dir}/face.png`, "--gallery", `${dir}/g.jsonl`],
        ["--version"],
      ]
    ) {
      const bare = await run({}, true, args);
      await Deno.remove(`${dir}/g.jsonl`).catch(() => {});
      const noisy = await run(hostile, false, args);
      await Deno.remove(`${dir}/g.jsonl`).catch(() => {});
      assert.equal(bare.code, 0, `${args[0]}: ${bare.stderr}`);
      assert.equal(noisy.code, 0, `${args[0]}: ${noisy.stderr}`);
      assert.doesNotMatch(bare.stderr + noisy.stderr, /NotCapable|env access|permission/i);
      // enroll stamps each record with the time it was added; everything else is identical.
      const stable = (s: string) => s.replace(/"added":"[^"]+"/g, "");
      assert.equal(stable(noisy.stdout), stable(bare.stdout), args[0]);
      assert.equal(noisy.stderr, bare.stderr, args[0]);
    }
  }));
