/** `faceprint train`: a linear SVM with probabilities on a gallery's embeddings. */
import { parseFlags } from "./args.ts";
import { serializeModel, trainSvm } from "../classify/mod.ts";
import { writeFileAtomic } from "../gallery/mod.ts";
import { DEFAULT_SVM_C } from "../identify/defaults.ts";
import { EXIT, UsageError } from "./errors.ts";
import { openGallery } from "./gallery.ts";
import { info, warn } from "./log.ts";
import { parseFormat, writeOne } from "./output.ts";
import { expectKind, fileKind } from "./file_kind.ts";

/** Help for `faceprint train`. */
export const TRAIN_HELP = `Usage: faceprint train --gallery G --out MODEL.json [--c C] [--format F]

Trains a multi-class linear SVM (one-vs-one, as scikit-learn's SVC(kernel='linear',
probability=True) with C = 10, Platt scaling with 5-fold cross-validation, seeded: the same gallery gives the
same file) on the gallery's embeddings and writes it atomically to MODEL.json, stamped with the
embedder's hash. Prints the training accuracy on stderr and a JSON summary on stdout:
  {"model","classes","faces","trainAccuracy"}

Options:
  --gallery G           the gallery (from 'faceprint enroll'); needs at least 2 people
  --out MODEL.json      where to write the model
  -f, --format F        jsonl (default), json, csv (model,person,personFaces,faces,
                        trainAccuracy: one row per person)
  --c C                 SVM regularisation C (default ${DEFAULT_SVM_C}; scikit-learn's default 1 underfits
                        face embeddings, see README)

Exit codes: 0 trained, 2 usage error, unreadable gallery, or fewer than 2 people.

Example:
  faceprint train --gallery people.jsonl --out people.svm.json`;

/** What `train` prints. */
interface TrainRecord {
  model: string;
  classes: string[];
  faces: number;
  trainAccuracy: number;
}

/** Fewer photos than this per person: Platt scaling's cross-validation has too little to fit. */
const FEW_PHOTOS = 3;
/** Above this many people the one-vs-one SVM gets slow; nearest search needs no training. */
const MANY_PEOPLE = 200;
/** Measured: 91 people (4,095 binary SVMs, 455 faces, fused) trained in about 4 s. */
const SECONDS_PER_PAIR = 0.001;

/** Says on stderr what a user should know before training on this gallery. */
function warnAboutGallery(people: string[]): void {
  const counts = new Map<string, number>();
  for (const p of people) counts.set(p, (counts.get(p) ?? 0) + 1);
  const few = [...counts].filter(([, n]) => n < FEW_PHOTOS).map(([p]) => p);
  if (few.length) {
    const shown = few.slice(0, 5).join(", ") + (few.length > 5 ? `, … (${few.length} in all)` : "");
    warn(
      `${few.length} of ${counts.size} people have fewer than ${FEW_PHOTOS} photos (${shown}): ` +
        "the SVM's probabilities are unreliable for them. Enrol more photos, or use " +
        "'faceprint identify --method nearest' (the default; no model needed), which names a " +
        "person enrolled from one good photo",
    );
  }
  if (counts.size > MANY_PEOPLE) {
    const pairs = counts.size * (counts.size - 1) / 2;
    warn(
      `${counts.size} people: the one-vs-one SVM trains ${pairs} classifiers (about ` +
        `${Math.ceil(pairs * SECONDS_PER_PAIR / 60)} min); 'faceprint identify --method nearest' ` +
        "(the default) needs no training and scales to 100,000 faces",
    );
  }
}

/** Runs `faceprint train`; returns the exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    gallery: { type: "string" },
    out: { type: "string" },
    c: { type: "string" },
    format: { type: "string", short: "f" },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.gallery) throw new UsageError("--gallery G is required");
  if (!values.out) throw new UsageError("--out MODEL.json is required");
  const format = parseFormat(values.format);
  const C = values.c === undefined ? DEFAULT_SVM_C : Number(values.c);
  if (!(C > 0) || !Number.isFinite(C)) {
    throw new UsageError(`--c expects a positive number, got "${values.c}"`);
  }

  await expectKind(values.gallery, "gallery");
  if (await fileKind(values.out) === "gallery") {
    throw new UsageError(`${values.out} is a gallery: --out would overwrite it; name a new file`);
  }
  const gallery = await openGallery(values.gallery);
  if (gallery.records.length === 0) {
    throw new UsageError(`${values.gallery}: the gallery is empty or missing`);
  }
  warnAboutGallery(gallery.records.map((r) => r.person));
  const model = trainSvm(
    gallery.records.map((r) => r.embedding),
    gallery.records.map((r) => r.person),
    { C },
  );
  const { embedder, embedderHash, dim, flip } = gallery.header;
  await writeFileAtomic(values.out, serializeModel(model, { embedder, embedderHash, dim, flip }));
  const accuracy = model.training.accuracy * 100;
  info(
    `Accuracy: train=${
      accuracy.toFixed(3)
    } (${gallery.records.length} faces, ${model.classes.length} people) → ${values.out}`,
  );
  writeOne(format, {
    header: ["model", "person", "personFaces", "faces", "trainAccuracy"],
    rows: (r: TrainRecord) =>
      r.classes.map((c, i) => [r.model, c, model.training.perClass[i], r.faces, r.trainAccuracy]),
    errorColumn: false,
  }, {
    model: values.out,
    classes: model.classes,
    faces: gallery.records.length,
    trainAccuracy: model.training.accuracy,
  });
  return EXIT.ok;
}
