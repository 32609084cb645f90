/** faceprint's entry point: command dispatch only. */
import { DETECT_HELP, detectCommand } from "./cli/detect.ts";
import { EMBED_HELP, embedCommand } from "./cli/embed.ts";
import { ENROLL_HELP, enrollCommand } from "./cli/enroll.ts";
import { GALLERY_HELP, galleryCommand } from "./cli/gallery.ts";
import { TRAIN_HELP, trainCommand } from "./cli/train.ts";
import { IDENTIFY_HELP, identifyCommand } from "./cli/identify.ts";
import { VERIFY_HELP, verifyCommand } from "./cli/verify.ts";
import { EVALUATE_HELP, evaluateCommand } from "./cli/evaluate.ts";
import { CLUSTER_HELP, clusterCommand } from "./cli/cluster.ts";
import { EXIT } from "./cli/errors.ts";
import { warn } from "./cli/log.ts";
import { closestName } from "./cli/args.ts";
import { handleInterrupts } from "./cli/interrupt.ts";
import { out, stdoutClosed } from "./cli/output.ts";
import { versionText } from "./version.ts";

const HELP = `faceprint — find faces, embed them, and tell who is who. Offline, one binary.

Usage: faceprint COMMAND [options] ...

Commands:
  detect PATH...        faces with boxes, scores and 5 landmarks (JSON Lines)
  embed PATH...         the same plus a 128-number embedding per face
  enroll DIR            add people (DIR/<person>/<images>) to a gallery file
  gallery list|remove|export|reembed
                        show, edit, export (csv, jsonl, npy) or re-embed a gallery
  train                 a linear SVM (with probabilities) on a gallery
  identify PATH...      name every face (or "unknown") with the SVM
  verify A B            same person? exit code 0 yes, 1 no
  evaluate DIR          train/val accuracy, or verification metrics on a pairs list
  cluster PATH...       group every face by person (who appears where), contact sheets

Run 'faceprint COMMAND --help' for a command's options and an example.
  --cwd DIR             (before COMMAND) read and write paths from DIR, not from here
  --version             version and the embedded models with their sha256
  --help                this text

Output is data on stdout (JSON Lines, JSON or CSV); messages go to stderr.
Exit codes: 0 success, 1 some inputs failed (every good result still printed), 2 usage error,
130 stopped by Ctrl-C (stderr says what was saved), 141 stdout closed early (e.g. by head).

Example:
  faceprint detect group.jpg`;

interface Command {
  run(argv: string[]): Promise<number>;
  help: string;
}

const COMMANDS: Record<string, Command> = {
  detect: { run: detectCommand, help: DETECT_HELP },
  embed: { run: embedCommand, help: EMBED_HELP },
  enroll: { run: enrollCommand, help: ENROLL_HELP },
  gallery: { run: galleryCommand, help: GALLERY_HELP },
  train: { run: trainCommand, help: TRAIN_HELP },
  identify: { run: identifyCommand, help: IDENTIFY_HELP },
  verify: { run: verifyCommand, help: VERIFY_HELP },
  evaluate: { run: evaluateCommand, help: EVALUATE_HELP },
  cluster: { run: clusterCommand, help: CLUSTER_HELP },
};

function print(text: string): void {
  out(text + "\n");
}

/** Runs faceprint with `args` and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "--cwd") {
    // `deno task faceprint` passes the directory it was run from (INIT_CWD): paths start there.
    try {
      Deno.chdir(args[1]);
    } catch (e) {
      warn(`--cwd ${args[1] ?? ""}: ${(e as Error).message}`);
      return EXIT.usage;
    }
    args = args.slice(2);
  }
  const [name, ...rest] = args;
  if (name === undefined) {
    console.error(HELP);
    return EXIT.usage;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    print(HELP);
    return EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    print(versionText());
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    const guess = closestName(name, Object.keys(COMMANDS));
    warn(
      `unknown command "${name}"` + (guess ? ` (did you mean ${guess}?)` : "") +
        " (try: faceprint --help)",
    );
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    print(command.help);
    return EXIT.ok;
  }
  handleInterrupts();
  try {
    const code = await command.run(rest);
    return stdoutClosed() ? EXIT.pipe : code;
  } catch (e) {
    if (stdoutClosed()) return EXIT.pipe;
    // Usage errors, parseArgs errors and fatal set-up failures (models, gallery) end here.
    warn(`${name}: ${(e as Error).message}`);
    return EXIT.usage;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
