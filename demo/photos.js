// The "Bring your own model" panel: a .recap checkpoint trained on features recap made from
// images, plus the encoder weights those features came from (.pth, .safetensors, .npz), or a
// checkpoint that carries its own CNN (`recap train --encoder cnn`, the main panel's "Train from
// pixels": no encoder file); then photos (dropped or picked), any drawable given to
// `captionImage` (a canvas, <img>, ImageBitmap, VideoFrame, Blob) or the camera, captioned live in
// photos-worker.js with the time of every step. The panel builds itself inside
// <section id="photos">; nothing else on the page depends on it. Tests (and curious users) read
// window.recapPhotos.
import { ARCHS } from '/recap/index.js';

const CHECKPOINT_MAGIC = 'RCAPCKPT';
const WEIGHTS_EXT = /\.(pth|pt|safetensors|npz|bin)$/i;
const FPS_WINDOW_MS = 3000;
const LOG_FRAMES = 200; // camera frames whose times are kept in state.camera.log

const state = {
  ready: false, threads: 0, crossOriginIsolated: self.crossOriginIsolated === true,
  checkpoint: null, encoder: null, captionerReady: false,
  photos: [], // { name, caption, width, height, times } or { name, error }
  camera: { running: false, frames: 0, fps: 0, modelFps: 0, caption: '', times: null, log: [], error: '' },
  message: '', messages: [],
};
window.recapPhotos = state;

const root = document.getElementById('photos');
root.innerHTML = `
  <div class="card-head">
    <h2 id="h-photos">Bring your own model</h2>
    <span class="status" id="photos-status" data-status="loading">starting…</span>
  </div>
  <p class="hint">Drop a <code>.recap</code> checkpoint trained on image features (<code>recap prepro --images</code>) and the
    encoder weights its features came from (<code>.pth</code>, <code>.safetensors</code>, <code>.npz</code>, torchvision's names),
    or a checkpoint that carries its own CNN (<code>recap train --encoder cnn</code>, or saved after “Train from pixels” above:
    no encoder file needed); then drop photos or start the camera. Everything runs in a worker on this machine; nothing is uploaded.</p>
  <div class="photos-files" id="photos-drop">
    <label class="file-slot"><span>checkpoint</span><input type="file" id="photos-checkpoint-file" accept=".recap,application/octet-stream">
      <output id="photos-checkpoint-info">none</output></label>
    <label class="file-slot"><span>encoder weights</span><input type="file" id="photos-encoder-file" accept=".pth,.pt,.safetensors,.npz,.bin">
      <output id="photos-encoder-info">none</output></label>
    <label class="opt">architecture <select id="photos-arch"><option value="">the checkpoint's</option>
      ${ARCHS.map((a) => `<option value="${a}">${a}</option>`).join('')}</select></label>
    <label class="opt">threads <select id="photos-threads"></select></label>
    <label class="opt">decoding <select id="photos-beam"><option value="1">greedy</option><option value="3">beam (3)</option></select></label>
  </div>
  <p class="photos-message" id="photos-message" role="alert" aria-live="polite" hidden></p>
  <div class="photos-live">
    <div class="photos-camera">
      <video id="photos-video" muted playsinline></video>
      <div class="buttons">
        <button id="photos-camera-start" class="primary">Start camera</button>
        <button id="photos-camera-stop" disabled>Stop camera</button>
      </div>
      <q id="photos-camera-caption">…</q>
      <dl class="stats" id="photos-times">
        <div title="frames captioned per second over the last 3 s, all steps"><dt>frames/s</dt><dd id="photos-fps">–</dd></div>
        <div title="1000 ms / (encode + caption) of the last frame"><dt>encode+caption/s</dt><dd id="photos-model-fps">–</dd></div>
        <div title="grabbing the frame (page) and reading its pixels (worker)"><dt>decode</dt><dd id="photos-t-decode">–</dd></div>
        <div title="resize, centre crop and normalise, as the checkpoint's recipe says"><dt>preprocess</dt><dd id="photos-t-preprocess">–</dd></div>
        <div title="the encoder network (and the checkpoint's PCA projection)"><dt>encode</dt><dd id="photos-t-encode">–</dd></div>
        <div title="the model's decoding (greedy or beam) into words"><dt>caption</dt><dd id="photos-t-caption">–</dd></div>
      </dl>
    </div>
    <div class="photos-images">
      <label class="drop-photos" id="photos-image-drop">drop photos here, or <u>pick</u>
        <input type="file" id="photos-image-file" accept="image/*" multiple hidden></label>
      <ol class="photos-results" id="photos-results"></ol>
    </div>
  </div>`;

const $ = (id) => document.getElementById(id);
const ms = (v) => (v < 10 ? v.toFixed(1) : v.toFixed(0)) + ' ms';

// ---------------------------------------------------------------------------------------------
// The worker: restarted (with the files again) when the thread count changes.

let worker = null;
let files = { checkpoint: null, encoder: null }; // { bytes: ArrayBuffer, name } kept to restart the worker
let nextId = 0;
const pending = new Map(); // id -> { kind: 'photo', item, name } | { kind: 'camera', grabMs }

function startWorker(threads) {
  worker?.terminate();
  for (const p of pending.values()) p.done?.();
  pending.clear();
  state.ready = false;
  state.captionerReady = false;
  setStatus('loading', 'starting…');
  worker = new Worker(new URL('./photos-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e) => onMessage(e.data);
  worker.onerror = (e) => showMessage(`worker error: ${e.message}`);
  worker.postMessage({ type: 'init', threads });
  if (files.checkpoint) worker.postMessage({ type: 'checkpoint', ...files.checkpoint });
  if (files.encoder) worker.postMessage({ type: 'encoder', ...files.encoder, arch: $('photos-arch').value });
}

function onMessage(msg) {
  switch (msg.type) {
    case 'ready':
      state.ready = true;
      state.threads = msg.threads;
      syncThreads(msg.threads);
      setStatus('idle', `${msg.threads} thread${msg.threads > 1 ? 's' : ''}`);
      break;
    case 'checkpoint': {
      const r = msg.recipe, m = msg.model, c = msg.cnn;
      state.checkpoint = { name: msg.name, recipe: r, model: m, cnn: c };
      $('photos-checkpoint-info').textContent = `${msg.name}: ${m.cellType.toUpperCase()} H=${m.hiddenDim}, ${m.words} words; ` + (c
        ? `its own CNN: ${c.imageSize}×${c.imageSize} pixels, ${c.channels.join('-')} filters, ${c.outputDim} features (${c.params} parameters)`
        : `features ${r.arch} ${r.output} ${r.dtype}, resize ${r.resize} crop ${r.crop}${r.pca ? `, PCA ${r.pca}` : ''}`);
      if (c) {
        state.encoder = null;
        $('photos-encoder-info').textContent = 'not needed: the checkpoint carries its CNN';
      }
      break;
    }
    case 'encoder-pending':
      $('photos-encoder-info').textContent = msg.own ? `${msg.name}: not used (the checkpoint carries its CNN); kept for the next checkpoint`
        : `${msg.name}: waiting for the checkpoint (or an architecture) to read it`;
      break;
    case 'encoder':
      state.encoder = { name: msg.name, arch: msg.arch, dtype: msg.dtype, loadMs: msg.ms };
      $('photos-encoder-info').textContent = `${msg.name}: ${msg.arch} ${msg.dtype}, ${msg.outputDim}-d features (loaded in ${ms(msg.ms)})`;
      break;
    case 'captioner':
      state.captionerReady = true;
      showMessage('');
      setStatus('done', 'ready to caption');
      flushWaiting();
      break;
    case 'caption': onCaption(msg); break;
    case 'error': onError(msg); break;
  }
}

function onError(msg) {
  const p = msg.id !== undefined ? finish(msg.id) : null;
  if (p?.kind === 'photo') {
    p.item.querySelector('.cap').textContent = msg.message;
    p.item.classList.add('bad');
    state.photos.push({ name: p.name, error: msg.message });
  }
  if (msg.stage === 'checkpoint') {
    state.checkpoint = null;
    files.checkpoint = null;
    $('photos-checkpoint-info').textContent = 'none (the file was refused)';
  }
  if (msg.stage === 'encoder') {
    state.encoder = null;
    files.encoder = null;
    $('photos-encoder-info').textContent = 'none (the file was refused)';
  }
  if (msg.stage === 'captioner' || msg.stage === 'checkpoint' || msg.stage === 'encoder') {
    state.captionerReady = false;
    setStatus('paused', 'not ready');
  }
  const what = { checkpoint: 'Checkpoint refused', encoder: 'Encoder weights refused', captioner: 'This encoder does not match the checkpoint',
    caption: 'Could not caption' }[msg.stage] ?? 'Error';
  showMessage(`${what}: ${msg.message}`);
}

function finish(id) {
  const p = pending.get(id);
  pending.delete(id);
  p?.done?.();
  return p ?? null;
}

// ---------------------------------------------------------------------------------------------
// Files: the two slots, a drop anywhere on the panel (sorted by content), photos.

async function setFile(kind, file) {
  const bytes = await file.arrayBuffer();
  files[kind] = { bytes, name: file.name };
  state.captionerReady = false;
  $(`photos-${kind}-info`).textContent = `${file.name}: reading…`;
  worker.postMessage({ type: kind, bytes, name: file.name, ...(kind === 'encoder' ? { arch: $('photos-arch').value } : {}) });
}

/**
 * What a file dropped on the panel is: a checkpoint (by its magic), encoder weights (by their
 * extension), else a photo (one the browser cannot decode is named in its row).
 */
async function kindOfFile(file) {
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  if (String.fromCharCode(...head) === CHECKPOINT_MAGIC) return 'checkpoint';
  return WEIGHTS_EXT.test(file.name) ? 'encoder' : 'photo';
}

async function onFiles(list) {
  for (const file of list) {
    const kind = await kindOfFile(file);
    if (kind === 'photo') captionImage(file, file.name);
    else await setFile(kind, file);
  }
}

for (const kind of ['checkpoint', 'encoder']) {
  $(`photos-${kind}-file`).onchange = (e) => e.target.files[0] && setFile(kind, e.target.files[0]);
}
$('photos-image-file').onchange = (e) => {
  for (const file of e.target.files) captionImage(file, file.name);
  e.target.value = '';
};
$('photos-arch').onchange = () => files.encoder && worker.postMessage({ type: 'encoder', ...files.encoder, arch: $('photos-arch').value });
root.addEventListener('dragover', (e) => {
  e.preventDefault();
  root.classList.add('dragging');
});
root.addEventListener('dragleave', () => root.classList.remove('dragging'));
root.addEventListener('drop', (e) => {
  e.preventDefault();
  root.classList.remove('dragging');
  onFiles([...e.dataTransfer.files]);
});

const waiting = []; // photos dropped before the captioner was ready
function flushWaiting() {
  for (const w of waiting.splice(0)) captionImage(w.image, w.name, w.item);
}

/**
 * Captions one image in the worker and adds it to the results: a Blob (a photo file, decoded in
 * the worker) or a drawable (canvas, <img>, ImageBitmap, VideoFrame: read here as an ImageBitmap).
 */
export async function captionImage(image, name, item = null) {
  if (!item) {
    item = document.createElement('li');
    // a photo file shows itself; a drawable is drawn on a small canvas once read (below)
    const thumb = document.createElement(image instanceof Blob ? 'img' : 'canvas');
    thumb.className = 'thumb';
    thumb.title = name;
    if (image instanceof Blob) {
      thumb.alt = name;
      thumb.src = URL.createObjectURL(image);
      thumb.onload = () => URL.revokeObjectURL(thumb.src);
      thumb.onerror = () => {
        URL.revokeObjectURL(thumb.src);
        thumb.style.visibility = 'hidden';
      };
    }
    const cap = Object.assign(document.createElement('q'), { className: 'cap', textContent: '…' });
    const times = Object.assign(document.createElement('small'), { className: 'times' });
    item.append(thumb, cap, times);
    item.dataset.name = name;
    $('photos-results').prepend(item);
  }
  if (!state.captionerReady) {
    item.querySelector('.cap').textContent = 'waiting for a checkpoint and its encoder…';
    waiting.push({ image, name, item });
    return;
  }
  const id = ++nextId;
  pending.set(id, { kind: 'photo', item, name });
  let source;
  try {
    source = image instanceof Blob ? image : await createImageBitmap(image);
  } catch (e) {
    onError({ type: 'error', stage: 'caption', id, message: `${name}: no pixels to read (${e.name}: ${e.message})` });
    return;
  }
  if (!(source instanceof Blob)) drawThumb(item.querySelector('canvas.thumb'), source);
  worker.postMessage({ type: 'caption', id, image: source, name, beamSize: beam() }, source instanceof Blob ? [] : [source]);
}

const beam = () => Number($('photos-beam').value);

const THUMB = 72;
function drawThumb(canvas, bitmap) {
  canvas.width = canvas.height = THUMB;
  const k = THUMB / Math.min(bitmap.width, bitmap.height); // cover, centred
  const w = bitmap.width * k, h = bitmap.height * k;
  canvas.getContext('2d').drawImage(bitmap, (THUMB - w) / 2, (THUMB - h) / 2, w, h);
}

function timesText(t) {
  return `decode ${ms(t.decode)} · preprocess ${ms(t.preprocess)} · encode ${ms(t.encode)} · caption ${ms(t.caption)}`;
}

function onCaption(msg) {
  const p = finish(msg.id);
  if (!p) return;
  if (p.kind === 'photo') {
    p.item.querySelector('.cap').textContent = msg.caption;
    p.item.querySelector('.times').textContent = `${msg.width}×${msg.height} · ${timesText(msg.times)}`;
    state.photos.push({ name: p.name, caption: msg.caption, width: msg.width, height: msg.height, times: msg.times });
    return;
  }
  onFrame(msg, p.grabMs);
}

// ---------------------------------------------------------------------------------------------
// Camera: one frame in flight at a time; the next is grabbed when the caption of the last arrives.

const cam = { stream: null, done: [], loop: 0 };

function cameraMessage(e) {
  const name = e?.name ?? 'Error';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return `The camera was refused (${name}: ${e.message}). Photos still work; allow the camera in the site settings to caption it live.`;
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return `No camera found (${name}). Photos still work.`;
  if (name === 'NotReadableError') return `The camera is busy or failed to start (${name}: ${e.message}). Photos still work.`;
  return `The camera could not start (${name}: ${e?.message ?? e}). Photos still work.`;
}

async function startCamera() {
  state.camera.error = '';
  if (!navigator.mediaDevices?.getUserMedia) {
    state.camera.error = 'No camera API here (browsers offer it only on https:// or localhost pages). Photos still work.';
    return showMessage(state.camera.error);
  }
  $('photos-camera-start').disabled = true;
  try {
    cam.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
  } catch (e) {
    state.camera.error = cameraMessage(e);
    $('photos-camera-start').disabled = false;
    return showMessage(state.camera.error);
  }
  for (const track of cam.stream.getVideoTracks()) {
    track.onended = () => {
      stopCamera();
      showMessage('The camera stopped (unplugged, or taken by the system). Photos still work.');
    };
  }
  const video = $('photos-video');
  video.srcObject = cam.stream;
  await video.play();
  state.camera.running = true;
  cam.done = [];
  $('photos-camera-stop').disabled = false;
  showMessage('');
  const loop = ++cam.loop;
  grab(loop);
}

function stopCamera() {
  cam.loop++;
  for (const t of cam.stream?.getTracks() ?? []) t.stop();
  cam.stream = null;
  $('photos-video').srcObject = null;
  state.camera.running = false;
  $('photos-camera-start').disabled = false;
  $('photos-camera-stop').disabled = true;
}

async function grab(loop) {
  if (loop !== cam.loop) return;
  const video = $('photos-video');
  if (!state.captionerReady || video.readyState < 2) {
    setTimeout(() => grab(loop), 100);
    return;
  }
  const t0 = performance.now();
  // a VideoFrame where the browser has them (no copy), else an ImageBitmap of the <video>
  const frame = typeof VideoFrame === 'function' ? new VideoFrame(video, { timestamp: Math.round(t0 * 1000) }) : await createImageBitmap(video);
  const id = ++nextId;
  pending.set(id, { kind: 'camera', grabMs: performance.now() - t0, done: () => setTimeout(() => grab(loop), 0) });
  worker.postMessage({ type: 'caption', id, image: frame, name: 'camera frame', beamSize: beam() }, [frame]);
}

function onFrame(msg, grabMs) {
  const c = state.camera;
  const t = performance.now();
  cam.done.push(t);
  while (cam.done.length > 2 && t - cam.done[0] > FPS_WINDOW_MS) cam.done.shift();
  c.frames++;
  c.caption = msg.caption;
  c.times = { ...msg.times, decode: msg.times.decode + grabMs };
  c.fps = cam.done.length > 1 ? ((cam.done.length - 1) * 1000) / (t - cam.done[0]) : 0;
  c.modelFps = 1000 / (msg.times.encode + msg.times.caption);
  c.log.push(c.times);
  if (c.log.length > LOG_FRAMES) c.log.shift();
  $('photos-camera-caption').textContent = msg.caption;
  $('photos-fps').textContent = c.fps ? c.fps.toFixed(1) : '–';
  $('photos-model-fps').textContent = c.modelFps.toFixed(1);
  for (const k of ['decode', 'preprocess', 'encode', 'caption']) $(`photos-t-${k}`).textContent = ms(c.times[k]);
}

$('photos-camera-start').onclick = () => startCamera();
$('photos-camera-stop').onclick = () => stopCamera();
addEventListener('pagehide', () => stopCamera());

// ---------------------------------------------------------------------------------------------

function setStatus(status, text) {
  $('photos-status').dataset.status = status;
  $('photos-status').textContent = text;
}

function showMessage(text) {
  state.message = text;
  if (text) state.messages.push(text);
  $('photos-message').textContent = text;
  $('photos-message').hidden = !text;
}

function syncThreads(current) {
  const sel = $('photos-threads');
  const max = state.crossOriginIsolated ? navigator.hardwareConcurrency || 1 : 1;
  sel.replaceChildren(...Array.from({ length: max }, (_, i) => new Option(String(i + 1), String(i + 1), false, i + 1 === current)));
  sel.disabled = max === 1;
  sel.title = state.crossOriginIsolated ? 'threads the encoder and the model run on' : 'one thread: the page is not cross-origin isolated (COOP/COEP)';
}

$('photos-threads').onchange = () => startWorker(Number($('photos-threads').value));

// ?photos-threads=N picks the thread count at load (the README's measurement); default: every core when isolated
startWorker(Number(new URLSearchParams(location.search).get('photos-threads')) || undefined);
