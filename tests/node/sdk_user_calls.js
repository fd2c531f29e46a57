#!/usr/bin/env node
// The official Parse JS SDK's user calls that lq serve added for Parse Server
// compatibility: verifyPassword, loginAs (master key), a sign-up with an ACL
// of its own, and changing another user. Prints one NDJSON record per step so
// a test can compare Parse Server and lq serve.
//
// Usage: node sdk_user_calls.js --server-url URL --ws-url URL --app-id APP --js-key KEY
//          --tag TAG --master-key-env NAME   (the master key is read from that variable)
'use strict';

const { parseArgs } = require('node:util');
const Parse = require('parse/node');

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

async function outcome(promise) {
  try {
    const value = await promise;
    return { ok: true, value };
  } catch (error) {
    return { ok: false, code: error.code, message: error.message };
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      'server-url': { type: 'string' },
      'ws-url': { type: 'string' },
      'app-id': { type: 'string' },
      'js-key': { type: 'string' },
      tag: { type: 'string' },
      'master-key-env': { type: 'string' },
    },
    strict: true,
  });
  Parse.initialize(values['app-id'], values['js-key'], process.env[values['master-key-env']]);
  Parse.serverURL = values['server-url'];
  Parse.User.enableUnsafeCurrentUser();
  const tag = values.tag;

  const other = new Parse.User();
  other.set({ username: `other-${tag}`, password: 'secret-pw' });
  await other.signUp();
  const otherId = other.id;

  const user = new Parse.User();
  user.set({ username: `user-${tag}`, password: 'secret-pw', email: `user-${tag}@example.com` });
  user.setACL(new Parse.ACL({ '*': { read: true } }));
  await user.signUp();
  const acl = (await new Parse.Query(Parse.User).get(user.id, { useMasterKey: true })).getACL().toJSON();
  emit({ kind: 'step', step: 'signUpAcl', acl: Object.keys(acl).sort().map(k => [k === user.id ? 'me' : k, acl[k]]) });

  user.set('nick', 'me');
  emit({ kind: 'step', step: 'saveSelf', ...(await outcome(user.save().then(() => 'saved'))) });

  const verified = await outcome(Parse.User.verifyPassword(`user-${tag}`, 'secret-pw'));
  emit({
    kind: 'step',
    step: 'verifyPassword',
    ok: verified.ok,
    sameUser: verified.ok && verified.value.objectId === user.id,
    email: verified.ok ? verified.value.email : null,
    token: verified.ok ? verified.value.sessionToken || null : null,
  });
  const wrong = await outcome(Parse.User.verifyPassword(`user-${tag}`, 'wrong'));
  emit({ kind: 'step', step: 'verifyWrongPassword', ok: wrong.ok, code: wrong.code });

  const foreign = Parse.User.createWithoutData(otherId);
  foreign.set('nick', 'hijack');
  const changed = await outcome(foreign.save());
  emit({ kind: 'step', step: 'changeOtherUser', ok: changed.ok, code: changed.code, message: changed.message });
  const destroyed = await outcome(Parse.User.createWithoutData(otherId).destroy());
  emit({ kind: 'step', step: 'deleteOtherUser', ok: destroyed.ok, code: destroyed.code, message: destroyed.message });

  const as = await outcome(Parse.User.loginAs(otherId));
  const asToken = as.ok ? as.value.getSessionToken() : null;
  const me = asToken ? await outcome(Parse.User.me(asToken)) : { ok: false };
  emit({ kind: 'step', step: 'loginAs', ok: as.ok, hasToken: Boolean(asToken), meIsOther: me.ok && me.value.id === otherId });
  emit({ kind: 'done' });
}

main().then(
  () => process.exit(0),
  error => {
    emit({ kind: 'failure', message: `${error.code || ''} ${error.message}` });
    process.exit(1);
  },
);
