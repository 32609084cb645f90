/**
 * BlazeFace keypoints to the five landmarks the aligner uses.
 *
 * BlazeFace gives six keypoints, in this order: the subject's right eye (image-left in a
 * non-mirrored photo), the subject's left eye, nose tip, mouth centre, right ear, left ear. The
 * aligner wants the two mouth corners, which BlazeFace does not give: they are estimated from the
 * mouth centre, placed symmetrically along the eye axis at half the mouth width each side. The
 * mouth width is taken as 0.92 × the inter-eye distance, the proportion of the aligner's dlib
 * 150 px template (eye centres 56.7 px apart, mouth corners 52 px apart; MTCNN/ArcFace's 112 px
 * template has 0.83). A wide smile or a turned head therefore does not move the corners: only
 * the mouth centre and the eye axis do.
 */
import type { Landmarks, Point } from "../../types.ts";

/** Mouth width over inter-eye distance in the dlib alignment template (52 / 56.7). */
export const MOUTH_WIDTH_PER_EYE_DISTANCE = 52 / 56.7;

/**
 * Five landmarks from BlazeFace's eye centres, nose tip and mouth centre (image coordinates).
 *
 * @example
 * const lm = landmarksFromKeypoints([40, 50], [80, 50], [60, 70], [60, 90]);
 * lm.mouthLeft; // [≈41.7, 90]
 */
export function landmarksFromKeypoints(
  leftEye: Point,
  rightEye: Point,
  nose: Point,
  mouth: Point,
): Landmarks {
  const halfX = (rightEye[0] - leftEye[0]) * MOUTH_WIDTH_PER_EYE_DISTANCE / 2;
  const halfY = (rightEye[1] - leftEye[1]) * MOUTH_WIDTH_PER_EYE_DISTANCE / 2;
  return {
    leftEye,
    rightEye,
    nose,
    mouthLeft: [mouth[0] - halfX, mouth[1] - halfY],
    mouthRight: [mouth[0] + halfX, mouth[1] + halfY],
  };
}
