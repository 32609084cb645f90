/** The one error type of the gallery store: a single-line message naming the file and problem. */

/** A gallery file that cannot be read, written or locked; `message` is one line for the user. */
export class GalleryError extends Error {
  /** The gallery (or lock) file concerned. */
  readonly path: string;
  /** 1-based line of the file at fault, when the problem is in a line. */
  readonly line: number | undefined;

  constructor(path: string, message: string, line?: number) {
    super(message);
    this.name = "GalleryError";
    this.path = path;
    this.line = line;
  }
}
