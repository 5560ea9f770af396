// recap: recurrent image captioning (CS231n CaptioningRNN) in WebAssembly SIMD.
// The same entry in Node, browsers, workers and bundlers; Node-only helpers are in 'recap/node'.
export { init, isInitialized, backend, threads, dispose, memoryStats, type InitOptions, type WasmKind } from './core/runtime.js';
export { Tensor, tensor, type DType, type NestedArray, type TypedArray } from './core/tensor.js';
export { RecapError, DivergenceError, FormatError } from './core/errors.js';
export * as layers from './nn/layers.js';
export type { Cache } from './nn/layers.js';
export * as optim from './nn/optim.js';
export type { OptimConfig, UpdateRule } from './nn/optim.js';
export { UPDATE_RULES, UPDATE_RULE_NAMES, type UpdateRuleName, type UpdateRuleSpec } from './nn/update-rules.js';
export { CaptioningRNN, PARAM_NAMES, type ParamName, type CaptioningRNNOptions, type SampleOptions, type CellType, type ModelConfig } from './model/captioning-rnn.js';
export { evalNumericalGradient, evalNumericalGradientArray, relError, type GradientCheckOptions } from './nn/gradcheck.js';
export { LegacyRandom } from './core/rng.js';
export type { CaptionData } from './data/types.js';
export { CaptioningSolver, checkCaptionData, type SolverOptions, type StepInfo, type Sampler, type SolverState, type SolverUpdateRule } from './train/solver.js';
export { saveCheckpoint, loadCheckpoint, checkSameVocabulary, crc32, CHECKPOINT_VERSION, type Checkpoint } from './train/checkpoint.js';
export { decodeCaptions, sampleCocoMinibatch, type MinibatchOptions, type Minibatch } from './data/captions.js';
export {
  shapesData, makeShapesScenes, renderScene, captionScene, encodeCaption, shapesVocab, singleObjectLabel, describesSingleObject,
  SHAPES, COLOURS, SIZES, COLOUR_RGB, SIZE_RADIUS, SHAPES_VOCAB, CAPTION_LENGTH,
  type Scene, type SceneObject, type ShapesData, type ShapesDataOptions, type RgbaImage,
} from './data/shapes.js';
export { extractFeatures, extractFeaturesBatch, FEATURE_DIM, FEATURE_SIZE, type RgbImage } from './data/features.js';
export { corpusBleu, sentenceBleu, cs231nBleu, meanCs231nBleu, stripSpecialTokens, isSpecialToken, type BleuResult } from './eval/bleu.js';
export { loadPretrained, pretrainedUrl } from './train/pretrained.js';
