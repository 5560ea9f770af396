// recap/node: Node-only helpers (they use node:fs and h5wasm), kept out of the package root so
// browser bundles never see them.
//   loadCocoData        reads the CS231n coco_captioning directory (HDF5 + JSON + URL lists)
//   saveCheckpointFile  writes a checkpoint atomically; loadCheckpointFile reads one
//   readImage           decodes a PNG or JPEG file (as PIL does) to an ImageInput; decodeImage its bytes
//   NpyFile             a large .npy file's header, then rows read on demand (not the whole file)
export { loadCocoData, type LoadCocoOptions } from './data/coco.node.js';
export { saveCheckpointFile, loadCheckpointFile, writeFileAtomic } from './train/checkpoint-file.node.js';
export { writeRecapDataFile, readRecapDataFile } from './data/recapdata-file.node.js';
export { NpyFile } from './interop/npy-file.node.js';
export { readFeatures, type ReadFeaturesOptions, type FeatureImage } from './data/feature-files.node.js';
export { readImage, decodeImage } from './vision/read-image.node.js';
export { listImageFiles, encodeImageFiles, IMAGE_EXTENSIONS, type ImageFile, type EncodeFilesOptions, type EncodedFiles } from './vision/encode-files.node.js';
export { preproKarpathy, readIdList, type PreproOptions, type PreproInfo, type PreproPhase, type PreproImages } from './data/prepro.node.js';
