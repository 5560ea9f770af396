// recap/node: Node-only helpers (they use node:fs and h5wasm), kept out of the package root so
// browser bundles never see them.
//   loadCocoData      reads the CS231n coco_captioning directory (HDF5 + JSON + URL lists)
//   writeCocoFixture  writes a small directory in the same layout (tests, toy experiments)
export { loadCocoData } from './data/coco.js';
export { writeCocoFixture } from './data/coco-fixture.js';
