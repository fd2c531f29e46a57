#!/usr/bin/env node
// The official Parse JS SDK's nested-field calls (`increment('o.n')`,
// `set('o.m', v)`, `unset('o.k')`) against a Parse-compatible server. Prints
// one NDJSON record per step (the object as the SDK holds it after the save,
// as a fresh fetch returns it, and each LiveQuery event), so a test can run
// it against Parse Server and lq serve and compare the two outputs.
//
// Usage: node sdk_dotted_keys.js --server-url URL --ws-url URL --app-id APP --js-key KEY --tag TAG
'use strict';

const { parseArgs } = require('node:util');
const Parse = require('parse/node');

const STEP_TIMEOUT_MS = 10000;

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const { values } = parseArgs({
    options: {
      'server-url': { type: 'string' },
      'ws-url': { type: 'string' },
      'app-id': { type: 'string' },
      'js-key': { type: 'string' },
      tag: { type: 'string' },
    },
    strict: true,
  });
  Parse.initialize(values['app-id'], values['js-key']);
  Parse.serverURL = values['server-url'];
  Parse.liveQueryServerURL = values['ws-url'];
  const tag = values.tag;

  const query = new Parse.Query('Room');
  query.equalTo('tag', tag);
  const subscription = await query.subscribe();
  await withTimeout(new Promise(resolve => subscription.on('open', resolve)), 'open');
  const events = [];
  const waiting = [];
  for (const name of ['create', 'update']) {
    subscription.on(name, (object, original) => {
      const event = { op: name, o: object.get('o'), original: original && typeof original.get === 'function' ? original.get('o') : null };
      const waiter = waiting.shift();
      if (waiter) waiter(event);
      else events.push(event);
    });
  }
  const nextEvent = () =>
    withTimeout(events.length ? Promise.resolve(events.shift()) : new Promise(r => waiting.push(r)), 'event');

  const item = new Parse.Object('Room');
  item.set({ tag, o: { n: 1, k: 2 } });
  await item.save();
  emit({ kind: 'event', ...(await nextEvent()) });

  const steps = [
    ['increment', () => item.increment('o.n')],
    ['increment by 5', () => item.increment('o.n', 5)],
    ['set', () => item.set('o.m', 'x')],
    ['unset', () => item.unset('o.k')],
    ['increment a new key', () => item.increment('o.z', 2)],
    ['decrement', () => item.decrement('o.z')],
  ];
  for (const [step, change] of steps) {
    change();
    await item.save();
    const saved = item.get('o');
    const fetched = (await new Parse.Query('Room').get(item.id)).get('o');
    emit({ kind: 'step', step, saved, fetched });
    emit({ kind: 'event', step, ...(await nextEvent()) });
  }
  await item.destroy();
  await Parse.LiveQuery.close();
  emit({ kind: 'done' });
}

main().then(
  () => process.exit(0),
  error => {
    emit({ kind: 'failure', message: `${error.code || ''} ${error.message}` });
    process.exit(1);
  },
);
