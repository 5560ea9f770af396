// recap/node: Node-only helpers (they use node:fs and h5wasm), kept out of the package root so
// browser bundles never see them.
//   loadCocoData        reads the CS231n coco_captioning directory (HDF5 + JSON + URL lists)
//   writeCocoFixture    writes a small directory in the same layout (tests, toy experiments)
//   saveCheckpointFile  writes a checkpoint atomically; loadCheckpointFile reads one
export { loadCocoData, type LoadCocoOptions } from './data/coco.js';
export { writeCocoFixture, type CocoFixtureOptions, type CocoFixture } from './data/coco-fixture.js';
export { saveCheckpointFile, loadCheckpointFile, writeFileAtomic } from './checkpoint-file.js';
