/**
 * Pair lists for verification: LFW `pairs.txt` (header `folds<TAB>n`, then per fold n same-person
 * lines `name i j` and n different-person lines `name1 i name2 j`) and plain CSV (`a,b,same`, an
 * optional header, same as yes/no, true/false or 1/0).
 */

/** One pair of image paths (relative to the pairs' root) with its truth and fold (0-based). */
export interface ImagePair {
  a: string;
  b: string;
  same: boolean;
  fold: number;
}

/** How many folds CSV pairs are spread over (round-robin), for k-fold accuracy. */
export const CSV_FOLDS = 10;

/** LFW's image path for a name and 1-based index: `name/name_0001.jpg`. */
export function lfwImagePath(name: string, index: string): string {
  return `${name}/${name}_${index.padStart(4, "0")}.jpg`;
}

/** Parses LFW pairs.txt text; throws naming the line on malformed input. */
export function parseLfwPairs(text: string, file: string): ImagePair[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = lines[0]?.trim().split(/\s+/).map(Number) ?? [];
  if (header.length !== 2 || !header.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(
      `${file}: line 1: expected "folds<TAB>pairs-per-class", got "${lines[0] ?? ""}"`,
    );
  }
  const [folds, n] = header;
  if (lines.length - 1 !== folds * 2 * n) {
    throw new Error(
      `${file}: expected ${folds * 2 * n} pair lines (${folds} folds × 2 × ${n}), found ${
        lines.length - 1
      }`,
    );
  }
  return lines.slice(1).map((line, i) => {
    const f = line.trim().split(/\s+/);
    const fold = Math.floor(i / (2 * n));
    const same = i % (2 * n) < n;
    if (same && f.length === 3) {
      return { a: lfwImagePath(f[0], f[1]), b: lfwImagePath(f[0], f[2]), same, fold };
    }
    if (!same && f.length === 4) {
      return { a: lfwImagePath(f[0], f[1]), b: lfwImagePath(f[2], f[3]), same, fold };
    }
    throw new Error(`${file}: line ${i + 2}: expected ${same ? "name i j" : "name1 i name2 j"}`);
  });
}

const TRUE = new Set(["1", "yes", "true", "y"]);
const FALSE = new Set(["0", "no", "false", "n"]);

function splitCsv(line: string): string[] {
  const fields: string[] = [];
  let field = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"', i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (fields.push(field), field = "");
    else field += c;
  }
  fields.push(field);
  return fields.map((s) => s.trim());
}

/** Parses CSV pairs `a,b,same[,...]` (extra columns ignored); folds assigned round-robin. */
export function parseCsvPairs(text: string, file: string): ImagePair[] {
  const pairs: ImagePair[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const [a, b, sameText] = splitCsv(line);
    const key = (sameText ?? "").toLowerCase();
    if (!TRUE.has(key) && !FALSE.has(key)) {
      if (i === 0) continue; // header
      throw new Error(
        `${file}: line ${i + 1}: third column must be yes/no, true/false or 1/0`,
      );
    }
    if (!a || !b) throw new Error(`${file}: line ${i + 1}: expected two image paths`);
    pairs.push({ a, b, same: TRUE.has(key), fold: pairs.length % CSV_FOLDS });
  }
  if (pairs.length === 0) throw new Error(`${file}: no pairs found`);
  return pairs;
}

/** Parses either format, by content: LFW when the first line is two whole numbers. */
export function parsePairs(text: string, file: string): ImagePair[] {
  const first = text.split(/\r?\n/, 1)[0]?.trim() ?? "";
  return /^\d+\s+\d+$/.test(first) ? parseLfwPairs(text, file) : parseCsvPairs(text, file);
}
