/**
 * The `cluster --report` page: one row of face thumbnails per group, largest group first, with
 * its size (and name, when the records carry one); unclustered faces at the end.
 */
import type { Box, RgbImage } from "../types.ts";
import { escapeHtml, numberSpan, reportPage, summaryTable } from "./html.ts";
import { decodeFile, type FaceRequest, loadFaceThumbnails, THUMBNAIL_PX } from "./thumbnails.ts";

/**
 * One face as `faceprint cluster` prints it. `box` is `[x, y, width, height]` or the
 * `{x, y, width, height}` object the other commands print; `cluster` is -1 or null for a face in
 * no group; `size` is the size of its group.
 */
export interface ClusterRecord {
  file: string;
  face: number;
  box: [number, number, number, number] | Box;
  cluster: number | null;
  size: number;
  name?: string;
}

/** Options of {@link clusterReportHtml}. */
export interface ClusterReportOptions {
  /** The command line, shown under the title. */
  command?: string;
  /** Gives the decoded image of a file (default: read and decode it). */
  loadImage?: (file: string) => Promise<RgbImage>;
  /** Thumbnails per group row at most; the rest are counted (default 16). */
  perRow?: number;
  /** Unclustered faces shown at most; the rest are counted (default 64). */
  maxUnclustered?: number;
}

function toBox(box: ClusterRecord["box"]): Box {
  return Array.isArray(box) ? { x: box[0], y: box[1], width: box[2], height: box[3] } : box;
}

const isGrouped = (r: ClusterRecord): boolean => r.cluster !== null && r.cluster >= 0;

/**
 * The clustering report as one self-contained HTML page. Groups are ordered by size (largest
 * first, then by cluster id); each row shows up to `perRow` face thumbnails and "+N more", with
 * the group's `size` from the records; the faces with cluster -1 or null follow under
 * "Unclustered". Each file is decoded once, through `loadImage`; a file that cannot be loaded
 * shows its name instead of a picture. Numbers carry keys: `faces`, `groups`, `unclustered`, and
 * `cluster.<id>.size`.
 *
 * @example
 * const records = stdout.trim().split("\n").map((l) => JSON.parse(l));
 * await Deno.writeTextFile("groups.html", await clusterReportHtml(records, { command }));
 * // Images already in memory: { loadImage: async (file) => images.get(file)! }
 */
export async function clusterReportHtml(
  records: ClusterRecord[],
  options: ClusterReportOptions = {},
): Promise<string> {
  const perRow = options.perRow ?? 16, maxUnclustered = options.maxUnclustered ?? 64;
  const groups = new Map<number, ClusterRecord[]>();
  for (const r of records.filter(isGrouped)) {
    groups.set(r.cluster!, [...(groups.get(r.cluster!) ?? []), r]);
  }
  const ordered = [...groups].sort(([a, ra], [b, rb]) => rb[0].size - ra[0].size || a - b);
  const loose = records.filter((r) => !isGrouped(r));
  const shown = [
    ...ordered.flatMap(([, members]) => members.slice(0, perRow)),
    ...loose.slice(0, maxUnclustered),
  ];
  const requests: FaceRequest[] = shown.map((r) => ({ file: r.file, box: toBox(r.box) }));
  const thumbs = await loadFaceThumbnails(requests, THUMBNAIL_PX, options.loadImage ?? decodeFile);
  const thumbOf = new Map(shown.map((r, i) => [r, thumbs[i]]));
  const strip = (members: ClusterRecord[], max: number) => {
    const imgs = members.slice(0, max).map((r) => {
      const label = `${r.file} #${r.face}`;
      const uri = thumbOf.get(r);
      return uri
        ? `<img src="${uri}" width="${THUMBNAIL_PX}" height="${THUMBNAIL_PX}" alt="${
          escapeHtml(label)
        }" title="${escapeHtml(label)}">`
        : `<span class="card">${escapeHtml(label)}</span>`;
    }).join("");
    const more = members.length - max;
    return `<div class="strip">${imgs}${
      more > 0 ? `<span class="muted">+${more} more</span>` : ""
    }</div>`;
  };
  const rows = ordered.map(([id, members]) => {
    const name = members.find((m) => m.name)?.name;
    return `<h3>Group ${id}${name ? `: ${escapeHtml(name)}` : ""} — ${
      numberSpan(`cluster.${id}.size`, members[0].size, String)
    } faces</h3>${strip(members, perRow)}`;
  }).join("");
  const count = (v: number) => String(v);
  return reportPage("faceprint clustering report", options.command ?? "faceprint cluster", [
    summaryTable([
      ["Faces", numberSpan("faces", records.length, count)],
      ["Groups", numberSpan("groups", groups.size, count)],
      ["Unclustered faces", numberSpan("unclustered", loose.length, count)],
    ]),
    `<h2>Groups</h2>${rows || "<p>No groups.</p>"}`,
    `<h2>Unclustered: ${loose.length}</h2>${
      loose.length ? strip(loose, maxUnclustered) : "<p>None.</p>"
    }`,
  ]);
}
