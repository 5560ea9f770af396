// Child processes that answer one JSON line per request line, shared by bench/run.mjs and
// bench/encoders.mjs.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process answering one JSON line per request line (numpy_model.py, recap_child.mjs, torch_encoders.py, encoder_child.mjs). */
export class LineWorker {
  constructor(label, cmd, args, env = process.env) {
    this.label = label;
    this.proc = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.queue = [];
    this.stderr = '';
    this.dead = null;
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.proc.on('exit', (code) => {
      this.dead = `${label} exited with ${code}: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      for (const q of this.queue.splice(0)) q.reject(new Error(this.dead));
    });
    this.proc.on('error', (e) => { this.dead = String(e); });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const q = this.queue.shift();
      if (!q) return;
      const res = JSON.parse(line);
      if (res.error) q.reject(new Error(`${this.label}: ${res.error}`));
      else q.resolve(res);
    });
  }
  request(obj) {
    if (this.dead) return Promise.reject(new Error(this.dead));
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.proc.stdin.write(JSON.stringify(obj) + '\n');
    });
  }
  async close() {
    if (this.dead) return;
    try { await this.request({ cmd: 'quit' }); } catch { /* gone */ }
    this.proc.stdin.end();
  }
}
