#!/usr/bin/env node
// The peer: the official Parse JS SDK's LiveQueryClient, one JSON line per event.
//
// Every event goes through what an app using the SDK pays for: the SDK's own
// frame handling and ParseObject.fromJSON decoding (object and original), then
// object.toJSON() + JSON.stringify for the line. A full pipe makes Node queue
// writes in memory (the socket keeps being read), so the process exits only
// from the last write's callback, once every queued line has been written.
//
// The SDK comes from the test rig's pinned install (tests/node/node_modules,
// `parse` 8.6.2); BENCH_NODE_PREFIX points elsewhere if needed.
//
// Usage: node bench/node/sdk_consumer.js WS_URL COUNT
'use strict';

const path = require('node:path');
const { createRequire } = require('node:module');

const prefix = process.env.BENCH_NODE_PREFIX || path.join(__dirname, '..', '..', 'tests', 'node');
const Parse = createRequire(path.join(prefix, 'package.json'))('parse/node');

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
const APP_ID = 'bench';

Parse.initialize(APP_ID);
Parse.serverURL = url.replace(/^ws/, 'http');

const client = new Parse.LiveQueryClient({ applicationId: APP_ID, serverURL: url });
client.on('error', (error) => {
  process.stderr.write(`sdk error: ${error}\n`);
});
client.open();
const subscription = client.subscribe(new Parse.Query('GameScore'));

let seen = 0;
function line(op, object, original) {
  const record = { op, object: object.toJSON(), original: original ? original.toJSON() : null };
  seen += 1;
  if (seen < count) {
    process.stdout.write(JSON.stringify(record) + '\n');
  } else if (seen === count) {
    process.stdout.write(JSON.stringify(record) + '\n', () => process.exit(0));
  }
}

for (const op of ['create', 'delete']) {
  subscription.on(op, (object) => line(op, object, null));
}
for (const op of ['enter', 'update', 'leave']) {
  subscription.on(op, (object, original) => line(op, object, original));
}
