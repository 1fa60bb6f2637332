/** The cross-instance bus on its own: delivery between instances, echoes, batching, and a dropped LISTEN. */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationEvent } from '../../src/events/event-bus.js';
import { createPool, parsePostgresUrl } from '../../src/store/postgres/connection.js';
import { createPostgresBus, type PostgresBus } from '../../src/store/postgres/postgres-bus.js';
import { eventually } from '../helpers/eventually.js';
import { adminQuery, freshSchemaUrl as freshSchema, postgresAvailable } from '../helpers/postgres.js';

const logger = pino({ level: 'silent' });

describe.skipIf(!(await postgresAvailable()))('PostgreSQL bus (LISTEN/NOTIFY)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function freshSchemaUrl() {
    const schema = await freshSchema();
    closers.unshift(schema.cleanup);
    return schema;
  }

  /** A bus as an instance has it: its own pool and LISTEN connection, under `appName`. */
  async function openBus(url: string, appName: string): Promise<{ bus: PostgresBus; received: OperationEvent[] }> {
    const u = new URL(url);
    u.searchParams.set('application_name', appName);
    const settings = parsePostgresUrl(u.toString());
    const pool = createPool(settings, logger);
    const bus = await createPostgresBus({ pool, client: settings.client, channel: settings.channel, logger });
    const received: OperationEvent[] = [];
    bus.subscribe((e) => received.push(e));
    closers.push(async () => {
      await bus.close();
      await pool.end();
    });
    return { bus, received };
  }

  it('delivers local events at once and remote ones by notification, without echoes', async () => {
    const { url } = await freshSchemaUrl();
    const one = await openBus(url, 'bus_one');
    const two = await openBus(url, 'bus_two');
    one.bus.publish({ type: 'cancel', id: 'op1' });
    expect(one.received).toEqual([{ type: 'cancel', id: 'op1' }]); // synchronous, before any round trip
    one.bus.publish({ type: 'queued' });
    one.bus.publish({ type: 'queued' });
    one.bus.publish({ type: 'done', id: 'op1' });
    await eventually(() => two.received.length >= 3);
    // Repeated 'queued' events of one tick travel once.
    expect(two.received).toEqual([{ type: 'cancel', id: 'op1' }, { type: 'queued' }, { type: 'done', id: 'op1' }]);
    two.bus.publish({ type: 'done', id: 'op2' });
    await eventually(() => one.received.some((e) => e.type === 'done' && e.id === 'op2'));
    // Neither heard its own notifications back.
    expect(one.received.filter((e) => e.type === 'cancel')).toHaveLength(1);
    expect(two.received.filter((e) => e.type === 'done' && e.id === 'op2')).toHaveLength(1);
  });

  it('ignores notifications that are not ours on the channel', async () => {
    const { url } = await freshSchemaUrl();
    const one = await openBus(url, 'bus_one');
    const channel = parsePostgresUrl(url).channel;
    for (const payload of ['not json', '{"i":"x"}', '{"i":"x","e":{"type":"cancel"}}', '{"i":"x","e":{"type":"boom","id":"1"}}']) {
      await adminQuery('SELECT pg_notify($1, $2)', [channel, payload]);
    }
    await adminQuery('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ i: 'x', e: { type: 'done', id: 'last' } })]);
    await eventually(() => one.received.length > 0);
    expect(one.received).toEqual([{ type: 'done', id: 'last' }]);
  });

  it('re-LISTENs after its connection is terminated, and then hears events again', async () => {
    const { url } = await freshSchemaUrl();
    const one = await openBus(url, 'bus_sender');
    const app = `bus_deaf_${process.pid}`;
    const two = await openBus(url, app);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
    // Once reconnected, the bus nudges its own workers: work may have been queued while it was deaf.
    await eventually(() => two.received.some((e) => e.type === 'queued'), { timeoutMs: 15_000 });
    expect(two.bus.listening).toBe(true);
    await eventually(
      () => {
        one.bus.publish({ type: 'done', id: 'after' });
        return two.received.some((e) => e.type === 'done' && e.id === 'after');
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  });
});
