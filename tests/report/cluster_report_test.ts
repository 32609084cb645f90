/** clusterReportHtml on generated records and generated images (no detector needed). */
import assert from "node:assert/strict";
import { type ClusterRecord, clusterReportHtml } from "../../src/report/cluster_report.ts";
import { decodeImage } from "../../src/image/decode.ts";
import type { RgbImage } from "../../src/types.ts";

/** A 200×100 image: left half one colour, right half another. */
function twoTone(left: number[], right: number[]): RgbImage {
  const width = 200, height = 100, data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(x < 100 ? left : right, (y * width + x) * 3);
  }
  return { width, height, data };
}

const IMAGES = new Map<string, RgbImage>([
  ["red-blue.png", twoTone([220, 20, 20], [20, 20, 220])],
  ["green-grey.png", twoTone([20, 200, 20], [128, 128, 128])],
]);

/** Group 7: 20 faces (left halves), group 2: 3 faces (right halves), 2 loose faces. */
function records(): ClusterRecord[] {
  const out: ClusterRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const file = i % 2 ? "red-blue.png" : "green-grey.png";
    out.push({ file, face: i, box: [20, 20, 60, 60], cluster: 7, size: 20, name: "amy" });
  }
  for (let i = 0; i < 3; i++) {
    const box = { x: 120, y: 20, width: 60, height: 60 };
    out.push({ file: "red-blue.png", face: 100 + i, box, cluster: 2, size: 3 });
  }
  out.push({ file: "green-grey.png", face: 200, box: [120, 20, 60, 60], cluster: -1, size: 1 });
  out.push({ file: "missing.png", face: 201, box: [0, 0, 10, 10], cluster: null, size: 1 });
  return out;
}

/** The data: URIs of the <img> elements, in page order, decoded. */
function thumbnails(html: string): RgbImage[] {
  return [...html.matchAll(/<img src="data:image\/jpeg;base64,([^"]+)"/g)].map((m) =>
    decodeImage(Uint8Array.fromBase64(m[1]))
  );
}

Deno.test("cluster report: groups largest first, capped rows with a count, unclustered last", async () => {
  const loads: string[] = [];
  const html = await clusterReportHtml(records(), {
    command: "faceprint cluster photos/",
    perRow: 12,
    loadImage: (file) => {
      loads.push(file);
      const image = IMAGES.get(file);
      return image ? Promise.resolve(image) : Promise.reject(new Error("no such file"));
    },
  });
  // Each file decoded once, however many faces it gives.
  assert.deepEqual(loads.sort(), ["green-grey.png", "missing.png", "red-blue.png"]);
  assert.match(html, /data-key="faces" data-value="25"/);
  assert.match(html, /data-key="groups" data-value="2"/);
  assert.match(html, /data-key="unclustered" data-value="2"/);
  const g7 = html.indexOf("Group 7: amy"), g2 = html.indexOf("Group 2 —");
  const loose = html.indexOf("Unclustered: 2");
  assert.ok(g7 > 0 && g2 > g7 && loose > g2, "order: group 7 (20), group 2 (3), unclustered");
  assert.match(html, /data-key="cluster\.7\.size" data-value="20"/);
  assert.match(html, /\+8 more/);
  // 12 thumbnails of group 7, 3 of group 2, 1 unclustered; the missing file shows its name.
  const thumbs = thumbnails(html);
  assert.equal(thumbs.length, 16);
  assert.ok(html.includes("missing.png #201"));
  // The crops are the faces asked for: group 7 took left halves (red or green), group 2 right
  // halves of red-blue (blue), the loose face the right half of green-grey (grey).
  const centre = (
    img: RgbImage,
  ) => [...img.data.subarray((32 * 64 + 32) * 3, (32 * 64 + 32) * 3 + 3)];
  const [first, second] = thumbs;
  assert.ok(first.width === 64 && first.height === 64);
  assert.ok(centre(first)[1] > 150, `green expected, got ${centre(first)}`);
  assert.ok(centre(second)[0] > 150, `red expected, got ${centre(second)}`);
  assert.ok(centre(thumbs[12])[2] > 150, `blue expected, got ${centre(thumbs[12])}`);
  assert.ok(centre(thumbs[15]).every((v) => Math.abs(v - 128) <= 2), `grey: ${centre(thumbs[15])}`);
  // Nothing outside the page.
  assert.ok(
    ![...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].some((m) => !m[1].startsWith("data:")),
  );
});

Deno.test("cluster report: no groups at all still makes a page", async () => {
  const html = await clusterReportHtml(
    [{ file: "red-blue.png", face: 0, box: [0, 0, 50, 50], cluster: -1, size: 1 }],
    { loadImage: (file) => Promise.resolve(IMAGES.get(file)!) },
  );
  assert.match(html, /No groups\./);
  assert.match(html, /Unclustered: 1/);
});
