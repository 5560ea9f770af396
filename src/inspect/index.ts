// Inspecting a model (docs/inspect.md): gradient flow, gate saturation, activations,
// attributions and knockouts, each a function of a model and data, computed on the wasm kernels.
export { gradientFlow, type GradientFlow, type GradientFlowOptions } from './gradient-flow.js';
export { gateStats, activations, SATURATION_LEFT, SATURATION_RIGHT, type GateStats, type GateStatsOptions, type Saturation, type Activations, type ActivationsOptions } from './states.js';
export { attribution, type Attribution, type AttributionOptions } from './attribution.js';
export { pixelAttribution, type PixelAttribution } from './pixels.js';
export { knockout, KNOCKOUT_COMPONENTS, type KnockoutComponent, type KnockoutData, type KnockoutOptions, type KnockoutRow } from './knockout.js';
export { trainingHistory, type TrainingHistory } from './history.js';
export { sameLengthBatch } from './batch.js';
