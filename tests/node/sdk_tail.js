#!/usr/bin/env node
// A LiveQuery subscriber built on the official Parse JS SDK (`parse/node`).
//
// Wire-compatibility tests and benchmarks use it as the reference client: what
// the SDK receives from a server is, by definition, what a Parse client sees.
// Output is NDJSON on stdout, one line per record, written synchronously (pipes
// are synchronous in Node on Linux) so a reader sees each line as it happens:
//   {"kind":"status","state":"subscribed"}      the subscribe request was accepted
//   {"kind":"status","state":"open"}            the SDK's subscription `open` event (again after a reconnect)
//   {"kind":"status","state":"close"}           the SDK's subscription `close` event
//   {"kind":"event","op":"update","object":{...},"original":{...}|null}
//   {"kind":"error","code":209,"message":"..."} a failed subscribe (then exit 3) or an error event
//
// Usage: node sdk_tail.js --server-url http://127.0.0.1:1337/parse [--ws-url ws://...]
//          --app-id APP [--js-key KEY] --class Game [--where '{"score":{"$gt":100}}']
//          [--keys a,b] [--watch a,b] [--count N] [--master] [--session-token T]
// Secrets come from the environment so they stay out of `ps`: LQ_TAIL_MASTER_KEY
// (used only with --master) and LQ_TAIL_SESSION_TOKEN (or --session-token).
'use strict';

const { parseArgs } = require('node:util');

function fail(message) {
  process.stderr.write(`sdk_tail.js: ${message}\n`);
  process.exit(2);
}

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'server-url': { type: 'string' },
        'ws-url': { type: 'string' },
        'app-id': { type: 'string' },
        'js-key': { type: 'string' },
        class: { type: 'string' },
        where: { type: 'string', default: '{}' },
        keys: { type: 'string' },
        watch: { type: 'string' },
        count: { type: 'string' },
        master: { type: 'boolean', default: false },
        'session-token': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error.message);
  }
  for (const required of ['server-url', 'app-id', 'class']) {
    if (!values[required]) fail(`--${required} is required`);
  }
  let where;
  try {
    where = JSON.parse(values.where);
  } catch (error) {
    fail(`--where is not JSON: ${error.message}`);
  }
  if (where === null || typeof where !== 'object' || Array.isArray(where)) {
    fail('--where must be a JSON object');
  }
  const count = values.count === undefined ? null : Number.parseInt(values.count, 10);
  if (count !== null && !(count > 0)) fail('--count must be a positive integer');
  const masterKey = values.master ? process.env.LQ_TAIL_MASTER_KEY : undefined;
  if (values.master && !masterKey) fail('--master needs LQ_TAIL_MASTER_KEY in the environment');
  return {
    serverURL: values['server-url'],
    wsURL: values['ws-url'],
    appId: values['app-id'],
    jsKey: values['js-key'],
    className: values.class,
    where,
    keys: values.keys,
    watch: values.watch,
    count,
    masterKey,
    sessionToken: values['session-token'] || process.env.LQ_TAIL_SESSION_TOKEN || undefined,
  };
}

// The object as Parse sends it: toJSON() plus the className the SDK keeps apart.
function fullJSON(object) {
  if (!object) return null;
  if (typeof object.toJSON !== 'function') return object;
  return { className: object.className, ...object.toJSON() };
}

async function main() {
  const options = readOptions();
  const Parse = require('parse/node');
  Parse.initialize(options.appId, options.jsKey, options.masterKey);
  Parse.serverURL = options.serverURL;
  if (options.wsURL) Parse.liveQueryServerURL = options.wsURL;

  const query = new Parse.Query(options.className);
  const json = { where: options.where };
  if (options.keys) json.keys = options.keys;
  if (options.watch) json.watch = options.watch;
  query.withJSON(json);

  let seen = 0;
  let exiting = false;
  const exit = code => {
    if (exiting) return;
    exiting = true;
    Promise.resolve(Parse.LiveQuery.close())
      .catch(() => {})
      .finally(() => process.exit(code));
    setTimeout(() => process.exit(code), 1000).unref();
  };
  process.on('SIGTERM', () => exit(0));
  process.on('SIGINT', () => exit(0));

  let subscription;
  try {
    subscription = await query.subscribe(options.sessionToken);
  } catch (error) {
    emit({ kind: 'error', code: error.code ?? null, message: String(error.message ?? error) });
    exit(3);
    return;
  }
  emit({ kind: 'status', state: 'subscribed' });

  for (const op of ['create', 'update', 'enter', 'leave', 'delete']) {
    subscription.on(op, (object, original) => {
      if (exiting) return;
      // `original` is a ParseObject for update/enter/leave and the raw response otherwise.
      const hasOriginal = op === 'update' || op === 'enter' || op === 'leave';
      emit({
        kind: 'event',
        op,
        object: fullJSON(object),
        original: hasOriginal ? fullJSON(original) : null,
      });
      seen += 1;
      if (options.count !== null && seen >= options.count) exit(0);
    });
  }
  subscription.on('open', () => emit({ kind: 'status', state: 'open' }));
  subscription.on('close', () => emit({ kind: 'status', state: 'close' }));
  subscription.on('error', error => {
    emit({ kind: 'error', code: error?.code ?? null, message: String(error?.message ?? error) });
  });
  Parse.LiveQuery.on('error', error => {
    emit({ kind: 'error', code: error?.code ?? null, message: String(error?.message ?? error) });
  });
}

main().catch(error => {
  process.stderr.write(`sdk_tail.js: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
