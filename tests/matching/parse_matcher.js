// Evaluates [object, where] pairs with Parse Server's own LiveQuery matcher.
// Reads one JSON array of pairs per line on stdin, answers one JSON array of
// booleans per line on stdout, prefixed with ANSWER_PREFIX (Parse's logger
// also writes to stdout). A pair that makes Parse throw counts as "no
// match", as ParseLiveQueryServer._onAfterSave treats it.
'use strict';
const path = require('path');
const readline = require('readline');

const QueryTools = require(path.join(
  __dirname, '..', 'node', 'node_modules', 'parse-server', 'lib', 'LiveQuery', 'QueryTools.js'
));

const ANSWER_PREFIX = 'lq-answer ';
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', line => {
  const pairs = JSON.parse(line);
  const answers = pairs.map(([object, where]) => {
    try {
      return Boolean(QueryTools.matchesQuery(structuredClone(object), where));
    } catch (e) {
      return false;
    }
  });
  process.stdout.write(ANSWER_PREFIX + JSON.stringify(answers) + '\n');
});
