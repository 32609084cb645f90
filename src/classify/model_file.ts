/** The classifier's file format: versioned JSON, one binary classifier per line. */

import { compareCodePoints, type SvmModel, type SvmPair } from "./model.ts";

/** The schema this version writes and reads. */
export const MODEL_SCHEMA = 1;
const KIND = "svm";

/** A model file that cannot be read or written; `message` is one line naming the file. */
export class ModelFileError extends Error {
  /** The model file concerned. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "ModelFileError";
    this.path = path;
  }
}

/** Which embedder produced the vectors the model was trained on (the gallery's stamp). */
export interface ModelMeta {
  /** Embedder name, e.g. "dlib-resnet-v1". */
  embedder: string;
  /** sha256 (hex) of the embedder's weights. */
  embedderHash: string;
  /** Length of the embeddings. */
  dim: number;
  /** The gallery's `--flip` setting; undefined when the gallery did not record it. */
  flip?: boolean;
}

/** A model read back from a file, with the embedder it needs. */
export interface ParsedModel extends ModelMeta {
  model: SvmModel;
}

function checkFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new Error(`cannot save the model: ${what} is ${value}`);
}

/**
 * Serialises a model with the embedder it belongs to. Deterministic: the same model and meta give
 * the same text. Throws if a number is not finite (JSON cannot hold it) or `meta.dim` differs from
 * the model's.
 *
 * @example
 * await Deno.writeTextFile("people.svm.json", serializeModel(model, { embedder, embedderHash, dim: 128 }));
 */
export function serializeModel(model: SvmModel, meta: ModelMeta): string {
  if (meta.dim !== model.dim) {
    throw new Error(`cannot save the model: embedder dim ${meta.dim} but model dim ${model.dim}`);
  }
  checkFinite(model.C, "C");
  checkFinite(model.training.accuracy, "training accuracy");
  for (const pair of model.pairs) {
    const where = `pair (${pair.i}, ${pair.j})`;
    checkFinite(pair.b, `b of ${where}`);
    checkFinite(pair.probA, `probA of ${where}`);
    checkFinite(pair.probB, `probB of ${where}`);
    pair.w.forEach((v, d) => checkFinite(v, `w[${d}] of ${where}`));
  }
  const line = (key: string, value: unknown) =>
    `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  const pairLines = model.pairs.map(({ i, j, b, probA, probB, w }) =>
    `    ${JSON.stringify({ i, j, b, probA, probB, w })}`
  );
  return [
    "{",
    line("faceprint", KIND) + ",",
    line("schema", MODEL_SCHEMA) + ",",
    line("embedder", meta.embedder) + ",",
    line("embedderHash", meta.embedderHash) + ",",
    line("dim", model.dim) + ",",
    ...(meta.flip === undefined ? [] : [line("flip", meta.flip) + ","]),
    line("C", model.C) + ",",
    line("seed", model.seed) + ",",
    line("classes", model.classes) + ",",
    line("training", { perClass: model.training.perClass, accuracy: model.training.accuracy }) +
    ",",
    '  "pairs": [',
    pairLines.join(",\n"),
    "  ]",
    "}",
    "",
  ].join("\n");
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates parsed JSON field by field; every error names the file and the field. */
class Reader {
  constructor(private readonly file: string) {}

  fail(problem: string): never {
    throw new ModelFileError(this.file, problem);
  }

  string(obj: Json, key: string): string {
    const v = obj[key];
    if (typeof v !== "string") this.fail(`"${key}" must be a string, got ${describe(v)}`);
    return v;
  }

  number(value: unknown, what: string): number {
    if (typeof value !== "number") this.fail(`${what} must be a number, got ${describe(value)}`);
    if (!Number.isFinite(value)) this.fail(`${what} is not finite (${value})`);
    return value;
  }

  integer(value: unknown, what: string, min: number): number {
    const v = this.number(value, what);
    if (!Number.isInteger(v) || v < min) this.fail(`${what} must be an integer ≥ ${min}, got ${v}`);
    return v;
  }

  array(value: unknown, what: string, length?: number): unknown[] {
    if (!Array.isArray(value)) this.fail(`${what} must be an array, got ${describe(value)}`);
    if (length !== undefined && value.length !== length) {
      this.fail(`${what} has ${value.length} entries, expected ${length}`);
    }
    return value;
  }

  object(value: unknown, what: string): Json {
    if (!isObject(value)) this.fail(`${what} must be an object, got ${describe(value)}`);
    return value;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null (a NaN or Infinity when it was written?)";
  if (value === undefined) return "nothing (missing)";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `the string ${JSON.stringify(value)}` : typeof value;
}

/**
 * Reads a model file's text. Throws a `ModelFileError` naming `file` and the problem for invalid or
 * truncated JSON, a file that is not a faceprint model, a schema other than 1 (a newer one:
 * "made by a newer faceprint"), a wrong type, a non-finite number, or weights whose length is
 * not the model's dimension.
 *
 * @example
 * const { model, embedderHash } = parseModel(await Deno.readTextFile(path), path);
 */
export function parseModel(text: string, file: string): ParsedModel {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ModelFileError(file, `not valid JSON (truncated or corrupted?): ${reason}`);
  }
  const r: Reader = new Reader(file);
  if (!isObject(data) || data.faceprint !== KIND) {
    r.fail(`not a faceprint SVM model (expected "faceprint": "${KIND}")`);
  }
  const schema = r.number(data.schema, '"schema"');
  if (schema > MODEL_SCHEMA) {
    r.fail(
      `made by a newer faceprint (model schema ${schema}; this version reads ${MODEL_SCHEMA})`,
    );
  }
  if (schema !== MODEL_SCHEMA) r.fail(`unsupported model schema ${schema}`);

  const embedder = r.string(data, "embedder");
  const embedderHash = r.string(data, "embedderHash");
  const dim = r.integer(data.dim, '"dim"', 1);
  if (data.flip !== undefined && typeof data.flip !== "boolean") {
    r.fail(`"flip" must be true or false, got ${describe(data.flip)}`);
  }
  const C = r.number(data.C, '"C"');
  if (C <= 0) r.fail(`"C" must be positive, got ${C}`);
  const seed = r.integer(data.seed, '"seed"', 0);

  const classes = r.array(data.classes, '"classes"').map((c, k) => {
    if (typeof c !== "string") r.fail(`classes[${k}] must be a string, got ${describe(c)}`);
    return c;
  });
  if (classes.length < 2) r.fail(`"classes" needs at least 2 people, got ${classes.length}`);
  classes.forEach((c, k) => {
    if (k > 0 && compareCodePoints(classes[k - 1], c) >= 0) {
      r.fail(`"classes" must be distinct and sorted ("${classes[k - 1]}" before "${c}")`);
    }
  });
  const k = classes.length;

  const training = r.object(data.training, '"training"');
  const perClass = r.array(training.perClass, "training.perClass", k)
    .map((n, c) => r.integer(n, `training.perClass[${c}]`, 0));
  const accuracy = r.number(training.accuracy, "training.accuracy");
  if (accuracy < 0 || accuracy > 1) r.fail(`training.accuracy must be in [0, 1], got ${accuracy}`);

  const rawPairs = r.array(data.pairs, '"pairs"', (k * (k - 1)) / 2);
  const pairs: SvmPair[] = [];
  let p = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++, p++) {
      const what = `pairs[${p}]`;
      const raw = r.object(rawPairs[p], what);
      if (raw.i !== i || raw.j !== j) {
        r.fail(`${what} must be the classifier (${i}, ${j}), got (${raw.i}, ${raw.j})`);
      }
      const rawW = r.array(raw.w, `${what}.w`);
      if (rawW.length !== dim) r.fail(`${what}.w has ${rawW.length} values but "dim" is ${dim}`);
      pairs.push({
        i,
        j,
        w: rawW.map((v, d) => r.number(v, `${what}.w[${d}]`)),
        b: r.number(raw.b, `${what}.b`),
        probA: r.number(raw.probA, `${what}.probA`),
        probB: r.number(raw.probB, `${what}.probB`),
      });
    }
  }
  return {
    embedder,
    embedderHash,
    dim,
    ...(data.flip === undefined ? {} : { flip: data.flip as boolean }),
    model: { classes, dim, C, seed, pairs, training: { perClass, accuracy } },
  };
}
