#!/usr/bin/env node
// Logging out while subscribed, with the official Parse JS SDK, against lq serve.
//
// lq serve ends the subscriptions of a session that ends (logout). This script
// checks, through the SDK, that (1) the subscription that relied on the
// logged-out session is ended (the SDK marks it unsubscribed), (2) it receives
// no event afterwards while another subscription on the same socket does, (3)
// calling unsubscribe() on it afterwards resolves without the client
// reconnecting, and (4) when the frame that ends it reaches a client that is in
// the middle of close(), nothing is rejected: an unhandled rejection would end
// this process with a non-zero status (Node's default), which is the failure.
//
// Usage: node sdk_logout_ends_subscriptions.js --server-url URL --ws-url URL
//          --app-id APP --js-key KEY --tag TAG [--only-close-race]
'use strict';

const { parseArgs } = require('node:util');
const Parse = require('parse/node');

const STEP_TIMEOUT_MS = 10000;

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function failed(message) {
  emit({ kind: 'failure', message });
  process.exit(1);
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The next macrotask turn: by then Node has reported any unhandled rejection of the last one.
const nextTurn = () => new Promise(resolve => setImmediate(resolve));

async function subscribe(query, token) {
  const subscription = await query.subscribe(token);
  await withTimeout(new Promise(resolve => subscription.on('open', resolve)), 'open');
  const created = [];
  const waiting = [];
  subscription.on('create', object => {
    const waiter = waiting.shift();
    if (waiter) waiter(object);
    else created.push(object);
  });
  subscription.nextCreate = () =>
    withTimeout(created.length ? Promise.resolve(created.shift()) : new Promise(r => waiting.push(r)), 'create');
  subscription.created = created;
  return subscription;
}

async function save(tag) {
  const item = new Parse.Object('Task');
  item.set({ tag });
  item.setACL(new Parse.ACL({ '*': { read: true, write: true } }));
  await item.save();
  return item;
}

async function signUp(name) {
  const user = new Parse.User();
  user.set({ username: name, password: 'secret-pw' });
  await user.signUp();
  return user;
}

async function guarantee(tag, client) {
  const other = await signUp(`other-${tag}`);
  const user = await signUp(`user-${tag}`); // the current user from here on
  const ending = await subscribe(new Parse.Query('Task').equalTo('tag', `${tag}-a`), user.getSessionToken());
  const staying = await subscribe(new Parse.Query('Task').equalTo('tag', `${tag}-b`), other.getSessionToken());
  let opens = 0;
  client.on('open', () => { opens += 1; });

  await Parse.User.logOut();
  await withTimeout(ending.unsubscribePromise, 'the ended subscription');
  emit({ kind: 'step', step: 'ended', subscribed: ending.subscribed, known: client.subscriptions.has(ending.id) });

  await save(`${tag}-a`);
  await save(`${tag}-b`);
  await staying.nextCreate();
  emit({ kind: 'step', step: 'silent', eventsAfterLogout: ending.created.length });

  await withTimeout(ending.unsubscribe(), 'unsubscribe after the end');
  await save(`${tag}-b`);
  await staying.nextCreate();
  emit({ kind: 'step', step: 'unsubscribeAfterEnd', state: client.state, reopened: opens });
  return user;
}

async function closeRace(tag, client, username) {
  const user = await Parse.User.logIn(username, 'secret-pw');
  const subscription = await subscribe(new Parse.Query('Task').equalTo('tag', `${tag}-c`), user.getSessionToken());
  // The frame that ends the subscription arrives while the app closes the client.
  const socket = client.socket;
  const deliver = socket.onmessage;
  let handled;
  const frameHandled = new Promise(resolve => { handled = resolve; });
  socket.onmessage = event => {
    socket.onmessage = deliver;
    client.close();
    deliver(event);
    handled(JSON.parse(event.data).op);
  };
  await Parse.User.logOut();
  const op = await withTimeout(frameHandled, 'the frame ending the subscription');
  await nextTurn();
  await nextTurn();
  emit({ kind: 'step', step: 'closeRace', frame: op, subscribed: subscription.subscribed });
}

async function main() {
  const { values } = parseArgs({
    options: {
      'server-url': { type: 'string' },
      'ws-url': { type: 'string' },
      'app-id': { type: 'string' },
      'js-key': { type: 'string' },
      tag: { type: 'string' },
      'only-close-race': { type: 'boolean', default: false },
    },
    strict: true,
  });
  Parse.initialize(values['app-id'], values['js-key']);
  Parse.serverURL = values['server-url'];
  Parse.liveQueryServerURL = values['ws-url'];
  Parse.User.enableUnsafeCurrentUser();
  const tag = values.tag;
  const client = await Parse.CoreManager.getLiveQueryController().getDefaultLiveQueryClient();
  let username = `user-${tag}`;
  if (values['only-close-race']) {
    await signUp(username);
  } else {
    username = (await guarantee(tag, client)).getUsername();
  }
  await closeRace(tag, client, username);
  emit({ kind: 'done' });
  process.exit(0);
}

main().catch(error => failed(`${error.code || ''} ${error.message}`));
