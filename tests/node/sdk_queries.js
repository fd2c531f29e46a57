#!/usr/bin/env node
// The official Parse JS SDK (`parse/node`) running the query features apps use
// every day against a Parse-compatible server: include / includeAll /
// fetchWithInclude / fetchAllWithInclude (with ACL-filtered includes),
// matchesQuery / doesNotMatchQuery / matchesKeyInQuery / doesNotMatchKeyInQuery
// (alone and inside or/and/nor), exclude, and relation queries on an unfetched
// and on an unsaved parent. It prints one NDJSON record per step on stdout,
// {"kind":"step","step":NAME,"value":...} (or "error": code), then
// {"kind":"done"}; the Python test compares the values between servers.
//
// Usage: node sdk_queries.js --server-url URL --app-id APP --js-key KEY --tag TAG
'use strict';

const { parseArgs } = require('node:util');
const Parse = require('parse/node');

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

async function step(name, run) {
  try {
    emit({ kind: 'step', step: name, value: await run() });
  } catch (error) {
    emit({ kind: 'step', step: name, error: error.code === undefined ? String(error) : error.code });
  }
}

// What an app reads from a pointer field: the nick when the object came included.
function nickOf(player) {
  if (player === undefined) return 'absent';
  if (!player.isDataAvailable()) return 'pointer';
  return player.get('nick');
}

async function main() {
  const { values } = parseArgs({
    options: {
      'server-url': { type: 'string' },
      'app-id': { type: 'string' },
      'js-key': { type: 'string' },
      tag: { type: 'string' },
    },
    strict: true,
  });
  Parse.initialize(values['app-id'], values['js-key']);
  Parse.serverURL = values['server-url'];
  Parse.User.enableUnsafeCurrentUser();
  const tag = values.tag;

  const user = new Parse.User();
  user.set({ username: `sdkq-${tag}`, password: 'secret-pw' });
  await user.signUp();

  const alice = new Parse.Object('Player', { tag, nick: 'alice', side: 'red' });
  alice.setACL(new Parse.ACL(user)); // only this user reads alice
  const bob = new Parse.Object('Player', { tag, nick: 'bob', side: 'blue' });
  // One save at a time: the rig's Parse Server 9.10 answers saveAll's batch of creates with 111.
  for (const player of [alice, bob]) await player.save();
  const p1 = new Parse.Object('Post', { tag, rank: 1, topic: 'red', writer: alice, cast: [alice, bob] });
  const p2 = new Parse.Object('Post', { tag, rank: 2, topic: 'green', writer: bob, cast: [bob] });
  for (const post of [p1, p2]) await post.save();
  p1.relation('fans').add(bob);
  await p1.save();
  const comment = new Parse.Object('Comment', { tag, words: 'hi', onPost: p1 });
  await comment.save();

  const posts = () => new Parse.Query('Post').equalTo('tag', tag).ascending('rank');
  const ranks = async query => (await query.find()).map(post => post.get('rank'));
  const players = () => new Parse.Query('Player').equalTo('tag', tag);

  await step('include', async () =>
    (await posts().include('writer').find()).map(post => nickOf(post.get('writer'))));
  await step('includeCast', async () =>
    (await posts().include('cast').find()).map(post => post.get('cast').map(nickOf)));
  await step('includeAll', async () =>
    (await posts().includeAll().find()).map(post => [nickOf(post.get('writer')), post.get('cast').map(nickOf)]));
  await step('fetchWithInclude', async () => {
    const fetched = await Parse.Object.createWithoutData.call(Parse.Object.extend('Comment'), comment.id)
      .fetchWithInclude(['onPost.writer']);
    return [fetched.get('words'), nickOf(fetched.get('onPost').get('writer'))];
  });
  await step('fetchAllWithInclude', async () => {
    const Post = Parse.Object.extend('Post');
    const fetched = await Parse.Object.fetchAllWithInclude(
      [Post.createWithoutData(p2.id), Post.createWithoutData(p1.id)], 'writer');
    return fetched.map(post => [post.get('rank'), nickOf(post.get('writer'))]);
  });
  await step('exclude', async () => {
    const [found] = await new Parse.Query('Comment').equalTo('tag', tag).exclude('words').find();
    return [found.has('words'), found.has('onPost')];
  });

  const isAlice = () => players().equalTo('nick', 'alice');
  await step('matchesQuery', () => ranks(posts().matchesQuery('writer', isAlice())));
  await step('doesNotMatchQuery', () => ranks(posts().doesNotMatchQuery('writer', isAlice())));
  await step('matchesQueryArray', () => ranks(posts().matchesQuery('cast', isAlice())));
  await step('matchesKeyInQuery', () => ranks(posts().matchesKeyInQuery('topic', 'side', players())));
  await step('doesNotMatchKeyInQuery', () =>
    ranks(posts().doesNotMatchKeyInQuery('topic', 'side', players())));
  const byAlice = () => new Parse.Query('Post').matchesQuery('writer', isAlice());
  const rankTwo = () => new Parse.Query('Post').equalTo('rank', 2);
  await step('orOfMatchesQuery', () =>
    ranks(Parse.Query.or(byAlice(), rankTwo()).equalTo('tag', tag).ascending('rank')));
  await step('andOfMatchesQuery', () =>
    ranks(Parse.Query.and(byAlice(), rankTwo()).equalTo('tag', tag).ascending('rank')));
  await step('norOfMatchesQuery', () =>
    ranks(Parse.Query.nor(byAlice()).equalTo('tag', tag).ascending('rank')));

  await step('relationOnUnfetchedParent', async () => {
    const parent = Parse.Object.extend('Post').createWithoutData(p1.id);
    return (await parent.relation('fans').query().find()).map(player => [player.className, player.get('nick')]);
  });
  await step('relationOnUnsavedParent', async () =>
    (await new Parse.Object('Post').relation('fans').query().find()).length);

  await Parse.User.logOut();
  await step('includeAnonymous', async () =>
    (await posts().include(['writer', 'cast']).find()).map(post =>
      [post.has('writer'), post.get('cast').map(nickOf)]));
  await step('matchesQueryAnonymous', () => ranks(posts().matchesQuery('writer', isAlice())));

  emit({ kind: 'done' });
}

main().then(
  () => process.exit(0),
  error => {
    emit({ kind: 'failure', message: `${error.code || ''} ${error.message || JSON.stringify(error)}` });
    process.exit(1);
  },
);
