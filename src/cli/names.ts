/** File names for images faceprint writes (crops, annotated copies). */

/** The input's base name without extension (`stdin` for `-`). */
export function outputStem(path: string): string {
  const base = path === "-" ? "stdin" : path.split(/[\\/]/).pop()!;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** `name`, or `name-2`, `name-3`… : the first not yet in `used` (which it joins). */
export function uniqueName(name: string, used: Set<string>): string {
  let unique = name;
  for (let n = 2; used.has(unique); n++) unique = `${name}-${n}`;
  used.add(unique);
  return unique;
}

/** `dir/name`, with no doubled separator when `dir` ends in one ("named/" + "a.png"). */
export function outputPath(dir: string, name: string): string {
  return `${dir.replace(/[\\/]+$/, "") || "/"}/${name}`.replace(/^\/\//, "/");
}
