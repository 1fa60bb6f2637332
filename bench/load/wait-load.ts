/**
 * wait-fanout's client process: holds many WaitOperation calls open over HTTP/JSON (one connection each,
 * as independent clients would), and notes the wall-clock time each answer arrives.
 */
import http from 'node:http';
import { serveCalls } from '../ipc.js';
import { wallMs } from '../stats.js';

interface Answer {
  at: number;
  status: number;
  done: boolean;
}

let answers: Promise<Answer>[] = [];

function waitOnce(agent: http.Agent, base: URL, name: string, timeout: string): Promise<Answer> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ timeout });
    const req = http.request(
      { agent, host: base.hostname, port: base.port, method: 'POST', path: `/v1/${name}:wait`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          const at = wallMs();
          let done = false;
          try {
            done = (JSON.parse(text) as { done?: boolean }).done === true;
          } catch {
            // not JSON: counted as not done
          }
          resolve({ at, status: res.statusCode ?? 0, done });
        });
      },
    );
    req.on('error', () => resolve({ at: wallMs(), status: 0, done: false }));
    req.end(body);
  });
}

serveCalls({
  reset() {
    answers = [];
  },
  /** Sends `perName` Waits on each name; resolves once all are sent (not answered). */
  open(p: { http: string; names: string[]; perName: number; timeout: string }) {
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const base = new URL(p.http);
    answers = [];
    for (let i = 0; i < p.perName; i++) for (const name of p.names) answers.push(waitOnce(agent, base, name, p.timeout));
    return answers.length;
  },
  /** Every answer's arrival time, status and whether it said done. */
  async collect() {
    return Promise.all(answers);
  },
});
