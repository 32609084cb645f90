/** The gallery store: plain JSON Lines files, atomic writes, a lock for concurrent runs. */
export { sweepStaleTemps, writeFileAtomic } from "./atomic_write.ts";
export { decodeEmbedding, encodeEmbedding } from "./embedding_codec.ts";
export { GalleryError } from "./error.ts";
export {
  emptyGallery,
  flipWords,
  GALLERY_SCHEMA,
  parseGallery,
  serializeGallery,
  sortRecords,
} from "./format.ts";
export { type GalleryLockOptions, withGalleryLock } from "./lock.ts";
export {
  addRecords,
  type AddResult,
  enrolledHashes,
  listPeople,
  type PersonSummary,
  removeFile,
  removePerson,
  type RemoveResult,
} from "./operations.ts";
export { EXPORT_FORMATS, type ExportFormat, exportGallery, toNpy } from "./export.ts";
export { sha256Hex } from "./sha256.ts";
export { readGallery, writeGallery } from "./store.ts";
export type { EmbedderStamp, Gallery, GalleryHeader, GalleryRecord } from "./types.ts";
