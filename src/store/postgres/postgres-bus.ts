/**
 * The cross-instance event bus: local listeners get every event at once (createLocalBus), and each event is
 * also sent with NOTIFY on the schema's channel; a dedicated connection LISTENs and hands other instances'
 * events to the local listeners (its own echoes are ignored by instance id).
 *
 * Notifications are a fast path, never the only path: a lost one only delays work, because the runner polls
 * for queued work and its heartbeat reads requested_cancellation. So sending is fire-and-forget (batched per
 * tick), and a dropped LISTEN connection is re-established with backoff.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { createLocalBus, type EventBus, type OperationEvent } from '../../events/event-bus.js';
import { quoteIdent } from './connection.js';

export interface PostgresBusOptions {
  /** Sends NOTIFY (any pooled connection will do). */
  pool: pg.Pool;
  /** Settings of the dedicated LISTEN connection. */
  client: pg.ClientConfig;
  channel: string;
  logger: Logger;
  /** Tells this instance's notifications from the others'; default random. */
  instanceId?: string;
}

export interface PostgresBus extends EventBus, StatementNotifier {
  /** True while the LISTEN connection is up (remote events arrive). */
  readonly listening: boolean;
}

/**
 * What the store needs to send this bus's notifications from inside its own statements (one round trip
 * less on the cancel path): the channel, this instance's id for the envelope, and a way to say an
 * event went out already, so the publish that follows delivers it here only.
 */
export interface StatementNotifier {
  readonly channel: string;
  readonly instanceId: string;
  sentByStatement(event: OperationEvent): void;
}

/** How many "sent by a statement" marks are kept for publishes that never come (a store used on its own). */
const MAX_MARKS = 10_000;
const markOf = (e: OperationEvent) => ('id' in e ? `${e.type}:${e.id}` : e.type);

interface Envelope {
  /** Sender's instance id. */
  i: string;
  e: OperationEvent;
}

const MAX_BACKOFF_MS = 5_000;

function parseEnvelope(payload: string | undefined): Envelope | undefined {
  try {
    const v = JSON.parse(payload ?? '') as Partial<Envelope>;
    const e = v.e as Partial<OperationEvent> | undefined;
    if (typeof v.i !== 'string' || !e) return undefined;
    if (e.type === 'queued') return { i: v.i, e: { type: 'queued' } };
    if ((e.type === 'cancel' || e.type === 'done' || e.type === 'progress') && typeof e.id === 'string') {
      return { i: v.i, e: { type: e.type, id: e.id } };
    }
  } catch {
    // Not ours: ignore.
  }
  return undefined;
}

/** Resolves once the LISTEN connection is up, so the instance hears others from its first request on. */
export async function createPostgresBus(opts: PostgresBusOptions): Promise<PostgresBus> {
  const { pool, channel, logger } = opts;
  const instanceId = opts.instanceId ?? randomBytes(8).toString('hex');
  const listenSql = `LISTEN ${quoteIdent(channel)}`;
  let outbox: OperationEvent[] = [];
  let sent: Promise<void> = Promise.resolve();
  let scheduled = false;
  let listener: pg.Client | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;

  const marks = new Set<string>();
  const local = createLocalBus((event) => {
    if (closed) return;
    if (marks.delete(markOf(event))) return; // its statement sent it already
    outbox.push(event);
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        void flush();
      });
    }
  });

  /** Sends what the outbox holds, after the sends before it; never rejects. */
  function flush(): Promise<void> {
    sent = sent.then(drain);
    return sent;
  }

  /** One round trip for all events of a tick; repeated 'queued' events say nothing new. */
  async function drain(): Promise<void> {
    while (outbox.length > 0) {
      const events = outbox;
      outbox = [];
      const payloads = [...new Set(events.map((e) => JSON.stringify({ i: instanceId, e } satisfies Envelope)))];
      try {
        await pool.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [channel, payloads]);
      } catch (err) {
        logger.warn({ err: (err as Error).message, events: events.length }, 'NOTIFY failed; other instances catch up by polling');
      }
    }
  }

  function onNotification(msg: pg.Notification): void {
    if (msg.channel !== channel) return;
    const envelope = parseEnvelope(msg.payload);
    if (!envelope || envelope.i === instanceId) return;
    local.deliver(envelope.e);
  }

  async function connect(): Promise<void> {
    const client = new pg.Client(opts.client);
    const dropped = (err?: Error) => {
      if (listener !== client) return;
      listener = undefined;
      client.end().catch(() => {});
      if (closed) return;
      logger.warn({ err: err?.message }, 'the LISTEN connection to PostgreSQL dropped; reconnecting');
      schedule();
    };
    client.on('error', dropped);
    client.on('end', () => dropped());
    client.on('notification', onNotification);
    try {
      await client.connect();
      await client.query(listenSql);
    } catch (err) {
      client.removeAllListeners('end');
      client.on('error', () => {});
      await client.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    listener = client;
    if (failures > 0) {
      logger.info('the LISTEN connection to PostgreSQL is back');
      // Work may have been queued while this instance was deaf: look for it now rather than at the next poll.
      local.deliver({ type: 'queued' });
    }
    failures = 0;
  }

  function schedule(): void {
    if (closed || reconnectTimer) return;
    const backoff = Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures) * (0.5 + Math.random() / 2);
    failures++;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().catch((err: unknown) => {
        logger.warn({ err: (err as Error).message, attempt: failures }, 'reconnecting the LISTEN connection failed; retrying');
        schedule();
      });
    }, backoff);
    reconnectTimer.unref();
  }

  await connect();

  return {
    channel,
    instanceId,
    sentByStatement(event) {
      marks.add(markOf(event));
      if (marks.size > MAX_MARKS) marks.delete(marks.values().next().value!);
    },
    publish: local.publish,
    subscribe: local.subscribe,
    get listening() {
      return listener !== undefined;
    },
    async close() {
      if (closed) return;
      await flush(); // the last events (e.g. released operations at shutdown) still reach the others
      closed = true;
      clearTimeout(reconnectTimer);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => {});
      await local.close();
    },
  };
}
