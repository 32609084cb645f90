/** faceprint's entry point: command dispatch only. */
import { DETECT_HELP, detectCommand } from "./cli/detect.ts";
import { EMBED_HELP, embedCommand } from "./cli/embed.ts";
import { EXIT } from "./cli/errors.ts";
import { warn } from "./cli/log.ts";
import { versionText } from "./version.ts";

const HELP = `faceprint — find faces, embed them, and tell who is who. Offline, one binary.

Usage: faceprint COMMAND [options] ...

Commands:
  detect PATH...        faces with boxes, scores and 5 landmarks (JSON Lines)
  embed PATH...         the same plus a 128-number embedding per face

Run 'faceprint COMMAND --help' for a command's options and an example.
  --version             version and the embedded models with their sha256
  --help                this text

Output is data on stdout (JSON Lines, JSON or CSV); messages go to stderr.
Exit codes: 0 success, 1 some inputs failed (every good result still printed), 2 usage error.

Example:
  faceprint detect group.jpg`;

interface Command {
  run(argv: string[]): Promise<number>;
  help: string;
}

const COMMANDS: Record<string, Command> = {
  detect: { run: detectCommand, help: DETECT_HELP },
  embed: { run: embedCommand, help: EMBED_HELP },
};

function print(text: string): void {
  console.log(text);
}

/** Runs faceprint with `args` and returns the exit code. */
export async function main(args: string[]): Promise<number> {
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
    warn(`unknown command "${name}" (try: faceprint --help)`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    print(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Usage errors, parseArgs errors and fatal set-up failures (models, gallery) end here.
    warn(`${name}: ${(e as Error).message}`);
    return EXIT.usage;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
