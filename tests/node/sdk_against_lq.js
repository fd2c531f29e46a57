#!/usr/bin/env node
// The official Parse JS SDK (`parse/node`) driving a whole session against a
// Parse-compatible server: sign up, log out, log in, `users/me`, subscribe with
// the user's session token, save/update/destroy objects so that every LiveQuery
// event type fires, then log out. It prints one NDJSON record per step on
// stdout and exits 0 when every step behaved as Parse Server behaves; any
// failure prints {"kind":"failure",...} and exits 1.
//
// Usage: node sdk_against_lq.js --server-url http://127.0.0.1:PORT/parse
//          --ws-url ws://127.0.0.1:PORT/parse --app-id APP --js-key KEY --tag TAG
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

// Every event the subscription emits, in order, for `nextEvent` to take one at a time.
function eventQueue(subscription, names) {
  const queued = [];
  const waiting = [];
  for (const name of names) {
    subscription.on(name, (object, original) => {
      const event = { op: name, object, original };
      const waiter = waiting.shift();
      if (waiter) waiter(event);
      else queued.push(event);
    });
  }
  return () => (queued.length ? Promise.resolve(queued.shift()) : new Promise(r => waiting.push(r)));
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
  Parse.User.enableUnsafeCurrentUser();
  const tag = values.tag;
  const username = `sdk-${tag}`;

  const user = new Parse.User();
  user.set('username', username);
  user.set('password', 'secret-pw');
  await user.signUp();
  if (!user.id || !user.getSessionToken()) failed('sign up gave no objectId or session token');
  if (user.get('password') !== undefined) failed('the password came back');
  emit({ kind: 'step', step: 'signUp', objectId: user.id });

  await Parse.User.logOut();
  const loggedIn = await Parse.User.logIn(username, 'secret-pw');
  if (loggedIn.id !== user.id) failed('logIn returned another user');
  const token = loggedIn.getSessionToken();
  emit({ kind: 'step', step: 'logIn' });

  const me = await Parse.User.me(token);
  if (me.id !== user.id) failed('users/me returned another user');
  emit({ kind: 'step', step: 'me' });

  let wrongLogin = null;
  try {
    await Parse.User.logIn(username, 'wrong');
  } catch (error) {
    wrongLogin = error.code;
  }
  emit({ kind: 'step', step: 'wrongLogin', code: wrongLogin });

  const query = new Parse.Query('Game');
  query.equalTo('tag', tag);
  query.greaterThan('score', 100);
  const subscription = await query.subscribe(token);
  await withTimeout(new Promise(resolve => subscription.on('open', resolve)), 'open');
  emit({ kind: 'step', step: 'subscribed' });

  const acl = new Parse.ACL(loggedIn);
  const game = new Parse.Object('Game');
  game.set({ tag, score: 150, name: 'first' });
  game.setACL(acl);
  const expectations = [
    ['create', () => game.save()],
    ['update', () => { game.increment('score', 10); return game.save(); }],
    ['leave', () => { game.set('score', 50); return game.save(); }],
    ['enter', () => { game.set('score', 200); return game.save(); }],
    ['delete', () => game.destroy()],
  ];
  const nextEvent = eventQueue(subscription, ['create', 'update', 'enter', 'leave', 'delete']);
  for (const [expected, write] of expectations) {
    await write();
    const event = await withTimeout(nextEvent(), expected);
    emit({
      kind: 'event',
      op: event.op,
      objectId: event.object.id,
      score: event.object.get('score'),
      original: event.original && typeof event.original.get === 'function' ? event.original.get('score') : null,
    });
    if (event.op !== expected) failed(`expected ${expected}, got ${event.op}`);
    if (event.object.id !== game.id) failed(`event for another object ${event.object.id}`);
  }

  const fetched = await new Parse.Query('Game').equalTo('tag', tag).find();
  emit({ kind: 'step', step: 'findAfterDelete', count: fetched.length });

  const saved = await Parse.Object.saveAll([
    new Parse.Object('Game', { tag, score: 1 }),
    new Parse.Object('Game', { tag, score: 2 }),
  ]);
  const counted = await new Parse.Query('Game').equalTo('tag', tag).count();
  emit({ kind: 'step', step: 'saveAll', saved: saved.length, count: counted });

  await subscription.unsubscribe();
  emit({ kind: 'step', step: 'unsubscribed' });
  await Parse.User.logOut();
  let afterLogout = null;
  try {
    await Parse.User.me(token);
  } catch (error) {
    afterLogout = error.code;
  }
  emit({ kind: 'step', step: 'logOut', meCode: afterLogout });
  await Parse.LiveQuery.close();
  emit({ kind: 'done' });
  process.exit(0);
}

main().catch(error => failed(`${error.code || ''} ${error.message}`));
