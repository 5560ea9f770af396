// The "Inside the model" panel (page side; the numbers come from inside-worker.js):
//  - the composed scene's caption, word by word: hovering (or focusing) a word shows the step
//    that reads it: the mean gates and the most active cells (LSTM: i f o g c h; RNN: h);
//  - an RNN and an LSTM of the same size trained side by side on the same minibatches: their
//    losses, the gradient norm of every step next to them, and their gradient-flow curves
//    ‖∂L_T/∂h_t‖ (the last word's loss) redrawn as training goes.
const SVG_NS = 'http://www.w3.org/2000/svg';
const COLORS = { rnn: '#8e44ad', lstm: '#1f5fa8' };
const TOP_UNITS = 8;

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const log10 = (v) => Math.log(v) / Math.LN10;

/** Lines on a log-y chart with axis labels and a legend; series: [{ label, color, points: [[x, y]] }]. */
function drawLines(svg, series, o) {
  const W = 420, H = 260, m = { left: 56, right: 12, top: 26, bottom: 58 };
  svg.replaceChildren();
  svg.append(el('text', { x: 8, y: 16, 'font-size': 13, 'font-weight': 600, class: 'chart-title' }, o.title));
  const pts = series.flatMap((s) => s.points).filter(([, y]) => y > 0 && Number.isFinite(y));
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  svg.append(el('line', { x1: m.left, y1: m.top + ph, x2: m.left + pw, y2: m.top + ph, stroke: '#333' }));
  svg.append(el('line', { x1: m.left, y1: m.top, x2: m.left, y2: m.top + ph, stroke: '#333' }));
  svg.append(el('text', { x: m.left + pw / 2, y: H - 30, 'text-anchor': 'middle', 'font-size': 11, class: 'x-label' }, o.xLabel));
  svg.append(el('text', { transform: `translate(12 ${m.top + ph / 2}) rotate(-90)`, 'text-anchor': 'middle', 'font-size': 11, class: 'y-label' }, o.yLabel));
  series.forEach((s, i) => {
    svg.append(el('line', { x1: m.left + 150 * i, y1: H - 10, x2: m.left + 150 * i + 20, y2: H - 10, stroke: s.color, 'stroke-width': 2 }));
    svg.append(el('text', { x: m.left + 150 * i + 24, y: H - 6, 'font-size': 11, class: 'legend' }, s.label));
  });
  if (pts.length === 0) return;
  const xs = pts.map((p) => p[0]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let lo = Math.floor(log10(Math.min(...pts.map((p) => p[1]))));
  let hi = Math.ceil(log10(Math.max(...pts.map((p) => p[1]))));
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const sx = (x) => m.left + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * pw;
  const sy = (y) => m.top + (1 - (log10(y) - lo) / (hi - lo)) * ph;
  for (let e = lo; e <= hi; e++) {
    svg.append(el('line', { x1: m.left, y1: sy(10 ** e), x2: m.left + pw, y2: sy(10 ** e), stroke: '#eee' }));
    svg.append(el('text', { x: m.left - 4, y: sy(10 ** e) + 4, 'text-anchor': 'end', 'font-size': 10 }, `1e${e}`));
  }
  for (const t of [x0, Math.round((x0 + x1) / 2), x1]) svg.append(el('text', { x: sx(t), y: m.top + ph + 14, 'text-anchor': 'middle', 'font-size': 10 }, String(t)));
  for (const s of series) {
    const p = s.points.filter(([, y]) => y > 0 && Number.isFinite(y)).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    if (p.length) svg.append(el('polyline', { points: p.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 1.6, class: `series ${s.cls ?? ''}` }));
  }
}

/** Moving average over `w` points (the curves of single minibatches are noisy). */
function smooth(v, w = 15) {
  const out = [];
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    if (i >= w) s -= v[i - w];
    out.push(s / Math.min(i + 1, w));
  }
  return out;
}

export function createInside({ $, send, state }) {
  const inside = { words: [], targets: [], cell: null, H: 0, tracks: null, step: null, race: null };
  state.inside = inside;
  let inspectId = 0;

  function showStep(t) {
    inside.step = t;
    for (const [k, span] of [...$('inside-words').children].entries()) span.classList.toggle('on', k === t);
    const { H, tracks, words, targets } = inside;
    const at = (k, j) => tracks[k][t * H + j];
    const key = tracks.c ? 'c' : 'h';
    const units = [...Array(H).keys()].sort((a, b) => Math.abs(at(key, b)) - Math.abs(at(key, a)) || a - b).slice(0, TOP_UNITS);
    const cols = tracks.i ? ['i', 'f', 'o', 'g', 'c', 'h'] : ['h'];
    const mean = (k) => { let s = 0; for (let j = 0; j < H; j++) s += at(k, j); return s / H; };
    const cell = (k, v) => {
      const a = Math.min(1, Math.abs(v) / (k === 'c' ? 3 : 1));
      const bg = v >= 0 ? `rgba(192,57,43,${a.toFixed(2)})` : `rgba(31,95,168,${a.toFixed(2)})`;
      return `<td style="background:${bg}" title="${k} = ${v.toFixed(4)}">${v.toFixed(2)}</td>`;
    };
    const head = `<tr><th>unit</th>${cols.map((k) => `<th>${k}</th>`).join('')}</tr>`;
    const rows = units.map((j) => `<tr><td>${j}</td>${cols.map((k) => cell(k, at(k, j))).join('')}</tr>`).join('');
    const gates = tracks.i ? `mean gates over the ${H} units: i ${mean('i').toFixed(2)}, f ${mean('f').toFixed(2)}, o ${mean('o').toFixed(2)}` : `an RNN has no gates: its ${H} tanh units h`;
    $('inside-step').innerHTML = `<p class="hint">step ${t}: reads <b>${words[t]}</b>, predicts <b>${targets[t]}</b>; ${gates}. The ${TOP_UNITS} cells with the largest |${key}|:</p><table class="units">${head}${rows}</table>`;
  }

  function onInspect(msg) {
    if (msg.id !== inspectId) return;
    Object.assign(inside, { words: msg.words, targets: msg.targets, cell: msg.cell, H: msg.H, tracks: msg.tracks });
    const root = $('inside-words');
    root.replaceChildren(...msg.words.map((w, t) => {
      const s = document.createElement('span');
      s.className = 'word';
      s.tabIndex = 0;
      s.textContent = w;
      s.onmouseenter = s.onfocus = () => showStep(t);
      return s;
    }));
    showStep(Math.min(inside.step ?? 1, msg.words.length - 1));
  }

  function onRace(msg) {
    if (!inside.race || msg.iteration === 0) inside.race = { iteration: 0, done: false, T: msg.T, captions: msg.captions, runs: {} };
    const r = inside.race;
    r.iteration = Math.max(r.iteration, msg.iteration);
    r.done = msg.done;
    for (const run of msg.runs) {
      const cur = (r.runs[run.cell] ??= { losses: [], gradNorms: [], flow: null, hidden: run.hidden });
      cur.losses.push(...run.losses);
      cur.gradNorms.push(...run.gradNorms);
      cur.flow = run.flow;
    }
    const cells = Object.keys(r.runs);
    const label = (c) => `${c.toUpperCase()} H=${r.runs[c].hidden}`;
    const curve = (c, key) => smooth(r.runs[c][key]).map((v, i) => [i + 1, v]);
    drawLines($('race-loss'), cells.map((c) => ({ label: label(c), color: COLORS[c], points: curve(c, 'losses'), cls: c })), { title: 'Training loss (smoothed)', xLabel: 'iteration', yLabel: 'loss (nats/caption)' });
    drawLines($('race-gradnorm'), cells.map((c) => ({ label: label(c), color: COLORS[c], points: curve(c, 'gradNorms'), cls: c })), { title: 'Gradient norm ‖g‖₂ (smoothed)', xLabel: 'iteration', yLabel: '‖g‖₂ before clipping' });
    drawLines($('race-flow'), cells.map((c) => ({ label: label(c), color: COLORS[c], points: (r.runs[c].flow ?? []).map((v, t) => [t, v]), cls: c })), { title: `Gradient flow at iteration ${r.iteration}`, xLabel: `step t (${r.captions} val captions, T=${r.T})`, yLabel: '‖∂L_T/∂h_t‖' });
    $('race-status').textContent = r.done ? `done: ${r.iteration} iterations` : `iteration ${r.iteration}`;
    $('btn-race').disabled = !r.done;
    $('btn-race-stop').disabled = r.done;
  }

  $('btn-race').onclick = () => {
    inside.race = null;
    $('btn-race').disabled = true;
    $('btn-race-stop').disabled = false;
    send({ type: 'race', iterations: 400 });
  };
  $('btn-race-stop').onclick = () => send({ type: 'raceStop' });

  return {
    /** Traces the composed scene's caption (pixels: the composer's image { data, width, height }, a copy the worker may keep). */
    request(pixels) {
      send({ type: 'inspect', id: ++inspectId, pixels }, [pixels.data.buffer]);
    },
    /** Handles the panel's worker messages; false for the others. */
    handle(msg) {
      if (msg.type === 'inspect') onInspect(msg);
      else if (msg.type === 'race') onRace(msg);
      else return false;
      return true;
    },
  };
}
