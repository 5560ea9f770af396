// The "Bring your own model" panel's worker: owns its own recap runtime (threads when the page is
// cross-origin isolated), the dropped checkpoint, the encoder built from the dropped weights and
// the captioner made of both; or, for a checkpoint that carries its own CNN (`recap train
// --encoder cnn`, the main panel's "Train from pixels"), the captioner of that CNN and model alone. Photos and camera frames come in as Blobs, ImageBitmaps or
// VideoFrames (transferred); captions go back with the time of every step. Protocol (photos.js):
//
//   page -> worker                                 worker -> page
//   { type: 'init', threads }                      { type: 'ready', threads, backend, crossOriginIsolated }
//   { type: 'checkpoint', bytes, name }            { type: 'checkpoint', name, recipe, model, cnn } | error (cnn: its own CNN, or null)
//   { type: 'encoder', bytes, name, arch }         { type: 'encoder', name, arch, dtype, outputDim, ms } | error
//                                                  { type: 'encoder-pending', name } (no architecture known yet,
//                                                  or the checkpoint has its own CNN: kept for the next checkpoint)
//                                                  { type: 'captioner', ready, maxLength } | error, stage 'captioner' (mismatch)
//   { type: 'caption', id, image, name, beamSize }     { type: 'caption', id, caption, width, height, times }
//                                                  { type: 'error', stage, message, id }
//
// Only the package's public API is used.
import {
  backend, decodeCaptions, init, loadCaptioner, loadCheckpoint, loadEncoder, resizeAndCrop, stripSpecialTokens, threads, toImageInput,
} from '/recap/index.js';

let checkpoint = null; // { name, bytes, recipe, cnn }: parsed once to check it, given to loadCaptioner as bytes
let encoder = null; // { name, encoder }
let pendingEncoder = null; // { bytes, name }: weights dropped before any checkpoint named their architecture
let captioner = null;

const post = (msg) => self.postMessage(msg);
const now = () => performance.now();

function describeRecipe(r) {
  const e = r.encoder;
  return {
    arch: e.arch, output: e.output, resize: e.resize, crop: e.crop, dtype: e.dtype, weights: e.weights,
    pca: r.pca ? `${r.pca.inputDim} → ${r.pca.dim}` : null,
  };
}

/**
 * The steps the caption handler times, from a loadCaptioner captioner: the image preprocessed as
 * its recipe says (a checkpoint with its own CNN: resized and centre-cropped to the CNN's input
 * size, a no-op for images of that size, as the training scenes), then the features (the
 * network, and the checkpoint's PCA).
 */
function captionSteps(c) {
  const e = c.recipe.encoder, S = c.cnn?.spec.imageSize;
  const preprocess = c.cnn ? (img) => resizeAndCrop(img, { resize: S, crop: S }) : (img) => c.encoder.preprocess(img, { resize: e.resize, crop: e.crop });
  return { model: c.model, maxLength: c.maxLength, preprocess, features: (x) => c.features(x), dispose: () => c.dispose() };
}

/**
 * Builds the captioner once both files are in (or the checkpoint alone when it carries its CNN).
 * loadCaptioner checks the encoder against the checkpoint's recipe: a mismatch is its RecapError
 * (naming the difference), shown as is.
 */
async function connect() {
  captioner?.dispose();
  captioner = null;
  const own = !!checkpoint?.cnn;
  if (!checkpoint || (!own && !encoder)) return;
  try {
    captioner = captionSteps(await loadCaptioner({ model: checkpoint.bytes, ...(own ? {} : { encoder: encoder.encoder }) }));
  } catch (err) {
    post({ type: 'error', stage: 'captioner', message: err?.message ?? String(err), name: err?.name });
    return;
  }
  post({ type: 'captioner', ready: true, maxLength: captioner.maxLength, ...(own ? { own: true } : {}) });
}

/** Replaces the encoder (a refused file leaves none: the page shows none) in the checkpoint's dtype. */
async function loadEncoderFile(bytes, name, arch) {
  captioner?.dispose();
  captioner = null;
  encoder?.encoder.dispose();
  encoder = null;
  const dtype = checkpoint?.recipe?.encoder.dtype ?? 'float32';
  const t0 = now();
  const next = await loadEncoder(bytes, { arch, dtype });
  encoder = { name, encoder: next, bytes, arch };
  post({ type: 'encoder', name, arch, dtype, outputDim: next.outputDim, ms: now() - t0 });
  await connect();
}

/** Pixels of a photo (a Blob: decoded here) or a camera frame (ImageBitmap / VideoFrame: closed here). */
async function pixels(image, name) {
  if (image instanceof Blob) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(image, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    } catch (e) {
      throw new Error(`${name}: not an image this browser can decode (${image.type || 'unknown type'}, ${image.size} bytes: ${e.message})`);
    }
    try {
      return toImageInput(bitmap, name);
    } finally {
      bitmap.close();
    }
  }
  try {
    return toImageInput(image, name);
  } finally {
    image.close?.();
  }
}

const handlers = {
  async init(msg) {
    await init(msg.threads ? { threads: msg.threads } : {});
    post({ type: 'ready', threads: threads(), backend: backend(), crossOriginIsolated: self.crossOriginIsolated === true });
  },
  async checkpoint(msg) {
    // the new file replaces the old one even when refused (the page then shows none)
    captioner?.dispose();
    captioner = null;
    checkpoint = null;
    const bytes = new Uint8Array(msg.bytes);
    const ckpt = loadCheckpoint(bytes, { name: msg.name });
    const c = ckpt.model.config;
    const words = ckpt.model.idxToWord.length;
    ckpt.model.dispose();
    if (!ckpt.features && !ckpt.encoder) {
      throw new Error(`${msg.name}: this checkpoint has no feature recipe (it was not trained on features recap made from images, ` +
        'e.g. `recap prepro --images`, nor from pixels with its own CNN, `recap train --encoder cnn`), so no encoder can feed it');
    }
    const cnn = ckpt.encoder && { ...ckpt.encoder.spec, params: Object.values(ckpt.encoder.params).reduce((a, t) => a + t.size, 0) };
    checkpoint = { name: msg.name, bytes, recipe: ckpt.features?.recipe ?? null, cnn };
    post({
      type: 'checkpoint', name: msg.name, recipe: checkpoint.recipe && describeRecipe(checkpoint.recipe), cnn,
      model: { cellType: c.cellType, hiddenDim: c.hiddenDim, wordvecDim: c.wordvecDim, inputDim: c.inputDim, words },
    });
    if (cnn) {
      // its own CNN makes the features: an encoder file waits for a checkpoint that needs one
      if (encoder) pendingEncoder = { bytes: encoder.bytes, name: encoder.name, arch: encoder.arch };
      encoder?.encoder.dispose();
      encoder = null;
      if (pendingEncoder) post({ type: 'encoder-pending', name: pendingEncoder.name, own: true });
      await connect();
    } else if (pendingEncoder) {
      const p = pendingEncoder;
      pendingEncoder = null;
      await loadEncoderFile(p.bytes, p.name, p.arch || checkpoint.recipe.encoder.arch);
    } else if (encoder && encoder.encoder.dtype !== checkpoint.recipe.encoder.dtype) {
      await loadEncoderFile(encoder.bytes, encoder.name, encoder.arch); // again, in this checkpoint's dtype
    } else await connect();
  },
  async encoder(msg) {
    // the architecture: the one asked for, else the checkpoint's recipe's (a weights file does not say)
    const arch = msg.arch || checkpoint?.recipe?.encoder.arch;
    if (!arch || checkpoint?.cnn) {
      pendingEncoder = { bytes: msg.bytes, name: msg.name, arch: msg.arch };
      post({ type: 'encoder-pending', name: msg.name, own: Boolean(checkpoint?.cnn) });
      return;
    }
    await loadEncoderFile(msg.bytes, msg.name, arch);
  },
  async caption(msg) {
    if (!captioner) {
      msg.image.close?.();
      throw new Error('drop a checkpoint and a matching encoder first');
    }
    const t0 = now();
    const img = await pixels(msg.image, msg.name ?? 'image');
    const t1 = now();
    const x = captioner.preprocess(img);
    const t2 = now();
    const feats = await captioner.features(x); // the network (and the checkpoint's PCA)
    const t3 = now();
    const tokens = await captioner.model.sampleAsync(feats, { maxLength: captioner.maxLength, beamSize: msg.beamSize ?? 1 });
    const caption = stripSpecialTokens(decodeCaptions(tokens, captioner.model.idxToWord)[0]).join(' ');
    const t4 = now();
    post({
      type: 'caption', id: msg.id, caption, width: img.width, height: img.height,
      times: { decode: t1 - t0, preprocess: t2 - t1, encode: t3 - t2, caption: t4 - t3 },
    });
  },
};

// One message at a time, in order: a new encoder never replaces one that is encoding, and a photo
// dropped while the camera runs waits for the frame in flight.
let queue = Promise.resolve();
self.onmessage = (e) => {
  const msg = e.data;
  queue = queue.then(() => handlers[msg.type](msg)).catch((err) => {
    post({ type: 'error', stage: msg.type, id: msg.id, message: err?.message ?? String(err), name: err?.name });
  });
};
