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
  /** Why there was no answer (status 0). */
  error?: string;
}

let answers: Promise<Answer>[] = [];
const counts = { sent: 0, connected: 0, answered: 0, errors: {} as Record<string, number>, firstAnswer: '' };

/**
 * At most this many connections are being set up at once. Thousands of simultaneous SYNs overflow the
 * server's accept backlog (511 in Node), and the dropped ones retry after 1, 3, 7… seconds: the calls
 * would then arrive over minutes instead of being all pending at once.
 */
const CONNECTING = 400;
let connecting = 0;
const queue: (() => void)[] = [];
const connectSlot = () =>
  new Promise<void>((resolve) => {
    if (connecting < CONNECTING) {
      connecting++;
      resolve();
    } else queue.push(resolve);
  });
const releaseSlot = () => {
  const next = queue.shift();
  if (next) next();
  else connecting--;
};

async function waitOnce(agent: http.Agent, base: URL, name: string, timeout: string, localAddress: string): Promise<Answer> {
  await connectSlot();
  return new Promise((resolve) => {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      releaseSlot();
    };
    counts.sent++;
    const body = JSON.stringify({ timeout });
    const req = http.request(
      { agent, localAddress, host: base.hostname, port: base.port, method: 'POST', path: `/v1/${name}:wait`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        counts.answered++;
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          const at = wallMs();
          counts.firstAnswer ||= `${res.statusCode} ${text.slice(0, 300)}`;
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
    req.on('socket', (socket) =>
      socket.once('connect', () => {
        counts.connected++;
        release();
      }),
    );
    req.on('error', (err) => {
      counts.errors[err.message] = (counts.errors[err.message] ?? 0) + 1;
      release();
      resolve({ at: wallMs(), status: 0, done: false, error: err.message });
    });
    req.end(body);
  });
}

serveCalls({
  reset() {
    answers = [];
  },
  /** How far the calls got: for a failure message that says why. */
  status: () => counts,
  /** Sends `perName` Waits on each name; resolves once all are sent (not answered). */
  open(p: { http: string; names: string[]; perName: number; timeout: string }) {
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    // A source address of this process's own in 127/8: its 10,000 connections (and whatever else on the
    // machine talks to loopback) then never run short of ephemeral ports towards the one server port.
    const localAddress = `127.${1 + (process.pid % 250)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
    const base = new URL(p.http);
    answers = [];
    for (let i = 0; i < p.perName; i++) for (const name of p.names) answers.push(waitOnce(agent, base, name, p.timeout, localAddress));
    return answers.length;
  },
  /** Every answer's arrival time, status and whether it said done. */
  async collect() {
    return Promise.all(answers);
  },
});
