// recap/node: Node-only helpers (they use node:fs and h5wasm), kept out of the package root so
// browser bundles never see them.
//   loadCocoData        reads the CS231n coco_captioning directory (HDF5 + JSON + URL lists)
//   saveCheckpointFile  writes a checkpoint atomically; loadCheckpointFile reads one
//   NpyFile             a large .npy file's header, then rows read on demand (not the whole file)
export { loadCocoData, type LoadCocoOptions } from './data/coco.node.js';
export { saveCheckpointFile, loadCheckpointFile, writeFileAtomic } from './train/checkpoint-file.node.js';
export { NpyFile } from './interop/npy-file.node.js';
