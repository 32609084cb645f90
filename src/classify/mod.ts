/**
 * The face classifier: a multi-class linear SVM with probability estimates that matches
 * scikit-learn's `SVC(kernel="linear", probability=True)`, and its file format.
 */
export { compareCodePoints, type SvmModel, type SvmPair } from "./model.ts";
export {
  MODEL_SCHEMA,
  ModelFileError,
  type ModelMeta,
  type ParsedModel,
  parseModel,
  serializeModel,
} from "./model_file.ts";
export {
  decisionValues,
  predictLabel,
  predictProbabilities,
  predictSvm,
  type SvmPrediction,
} from "./predict.ts";
export { DEFAULT_SEED, type TrainOptions, trainSvm } from "./train.ts";
