// recap: recurrent image captioning (CS231n CaptioningRNN) in WebAssembly SIMD.
// The same entry in Node, browsers, workers and bundlers; Node-only helpers are in 'recap/node'.
export { init, isInitialized, backend, threads, dispose, memoryStats, type InitOptions, type WasmKind } from './core/runtime.js';
export { Tensor, tensor, type DType, type NestedArray, type TypedArray } from './core/tensor.js';
export { RecapError, DivergenceError, FormatError } from './core/errors.js';
export * as layers from './nn/layers.js';
export type { Cache } from './nn/layers.js';
export type { ConvParam, PoolParam, BatchnormParam } from './nn/conv-layers.js';
export * as optim from './nn/optim.js';
export type { OptimConfig, UpdateRule } from './nn/optim.js';
export { UPDATE_RULES, UPDATE_RULE_NAMES, type UpdateRuleName, type UpdateRuleSpec } from './nn/update-rules.js';
export { CaptioningRNN, PARAM_NAMES, type ParamName, type CaptioningRNNOptions, type SampleOptions, type TopKOptions, type TopKResult, type CellType, type ModelConfig } from './model/captioning-rnn.js';
export { evalNumericalGradient, evalNumericalGradientArray, relError, type GradientCheckOptions } from './nn/gradcheck.js';
export { LegacyRandom } from './core/rng.js';
export type { CaptionData } from './data/types.js';
export { CaptioningSolver, checkCaptionData, type SolverOptions, type StepInfo, type Sampler, type SolverState, type SolverUpdateRule } from './train/solver.js';
export { SmallCnn, imagesToTensor, cnnParamShapes, type CnnSpec } from './nn/cnn.js';
export { EncoderPart, type EncoderPartOptions, type EncoderState } from './train/encoder-part.js';
export { captionConcepts, conceptCount, conceptLoss, type Concepts } from './train/concept-head.js';
// the recipe of a SmallCnn's features: what a checkpoint saved with its CNN records (recap eval/sample check it)
export { cnnRecipe } from './nn/cnn.js';
export { saveCheckpoint, loadCheckpoint, checkSameVocabulary, crc32, CHECKPOINT_VERSION, type Checkpoint } from './train/checkpoint.js';
export { decodeCaptions, sampleCocoMinibatch, type MinibatchOptions, type Minibatch } from './data/captions.js';
export {
  shapesData, makeShapesScenes, renderScene, captionScene, encodeCaption, shapesVocab, singleObjectLabel, describesSingleObject,
  SHAPES, COLOURS, SIZES, COLOUR_RGB, SIZE_RADIUS, SHAPES_VOCAB, CAPTION_LENGTH,
  type Scene, type SceneObject, type ShapesData, type ShapesDataOptions, type RgbaImage,
} from './data/shapes.js';
export { extractFeatures, extractFeaturesBatch, FEATURE_DIM, FEATURE_SIZE, type RgbImage } from './data/features.js';
export { corpusBleu, sentenceBleu, cs231nBleu, meanCs231nBleu, stripSpecialTokens, isSpecialToken, type BleuResult } from './eval/bleu.js';
// Your own data: Karpathy-split JSON → vocabulary and captions; prepared .recapdata files.
export {
  parseKarpathy, prepareCaptions, toCaptionData, tokenize, SPECIAL_TOKENS,
  type KarpathyDataset, type KarpathyImage, type KarpathySplit, type PrepareOptions, type PrepareStats,
  type PreparedCaptions, type SplitCaptions, type SplitFeatures,
} from './data/karpathy.js';
export { encodeRecapData, decodeRecapData, RECAPDATA_VERSION, type PreparedData, type PcaProjection } from './data/recapdata.js';
export { fitPca, applyPca, type PcaProgress } from './data/pca.js';
export { evaluateCaptions, CAPTION_METRICS, type CaptionMetric, type EvaluateOptions, type EvaluationResult, type ImageScores } from './eval/evaluate.js';
export { CiderD, type CiderDOptions } from './eval/cider.js';
export { ptbTokenize, stripCaptionSpecials, PTB_PUNCTUATION } from './eval/ptb-tokenize.js';
export type { EvalMath } from './eval/numeric.js';
export type { Bleu4 } from './eval/coco-bleu.js';
export { KEEP_BEST_METRICS, type KeepBestMetric, type EvalRecord, type ValidationOptions, type ValidationState } from './train/validation.js';
export {
  namesScene, sceneAccuracy, parseObjectMentions, formatAccuracy,
  type SceneAccuracy, type AccuracyCount, type ObjectMention, type SceneMatchOptions, sceneEvalExtra,
} from './eval/scene.js';
export { loadPretrained, pretrainedUrl } from './train/pretrained.js';
export { readNpy, writeNpy, parseNpyHeader, type NpyHeader, type ReadOptions } from './interop/npy.js';
export { readNpz, writeNpz, type WriteNpzOptions } from './interop/npz.js';
export { readSafetensors, writeSafetensors, type Safetensors } from './interop/safetensors.js';
export { readPth } from './interop/pth.js';
export { readStateDict } from './interop/state-dict.js';
export { modelToNpz, modelToSafetensors, modelFromParams, vocabularyJson, parseVocabulary, PARAMS_FORMAT, type VocabularyJson, type ModelFromParamsOptions } from './interop/params.js';
export type { LossOptions } from './model/captioning-rnn.js';
export { SCST_BASELINES, type ScstBaseline, type CaptionReward, type ScstState, type ScstStats } from './train/scst.js';
export { ciderReward } from './train/scst-reward.js';
export { loadEncoder, ImageEncoder, ARCHS, encoderStateDictSpec, type Arch, type ParamSpec, type LoadEncoderOptions, type EncodeOptions, type EncoderOutput } from './vision/encoder.js';
// Images: torchvision's preprocessing (PIL bilinear resize in wasm), browser image sources.
export {
  preprocessImages, resizeAndCrop, resizedSize, centerCropOffset, IMAGENET_MEAN, IMAGENET_STD,
  type PreprocessOptions, type ImageSize,
} from './vision/preprocess.js';
export { toRgb, checkImageInput, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, type ImageInput, type RgbImageInput } from './vision/image.js';
export { toImageInput } from './vision/browser-image.js';
// Captioning photos: the feature recipe that ties a checkpoint to its encoder, and the captioner.
export { hashTensors, recipeDifferences, checkRecipe, type FeatureRecipe, type EncoderRecipe, type PcaRecipe } from './data/recipe.js';
export { loadCaptioner, Captioner, type CaptionerOptions } from './vision/captioner.js';
export type { CheckpointFeatures } from './train/checkpoint.js';
// Inspecting a model: gradient flow, gate saturation, activations, attributions, knockouts (docs/inspect.md).
export {
  gradientFlow, gateStats, activations, attribution, pixelAttribution, knockout, trainingHistory, sameLengthBatch, KNOCKOUT_COMPONENTS, SATURATION_LEFT, SATURATION_RIGHT,
  type GradientFlow, type GradientFlowOptions, type GateStats, type GateStatsOptions, type Saturation, type Activations, type ActivationsOptions,
  type Attribution, type AttributionOptions, type PixelAttribution, type KnockoutComponent, type KnockoutData, type KnockoutOptions, type KnockoutRow, type TrainingHistory,
} from './inspect/index.js';
