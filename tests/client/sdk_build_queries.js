#!/usr/bin/env node
// Build queries with the official Parse JS SDK and print what it would send.
//
// Reads a JSON array of programs on stdin; each program is
//   {"className": "Game", "calls": [["greaterThan", "score", 100], ...]}
// or a compound {"compound": "or" | "and" | "nor", "queries": [program, ...]}.
// Arguments may be tagged values: {"$geo": [lat, lng]}, {"$date": iso},
// {"$regexp": [source, flags]}, {"$query": program} (a subquery). Prints a JSON
// array with, per program, query.toJSON() (where, keys, watch, order, limit,
// skip, include, excludeKeys).
'use strict';

const Parse = require('parse/node');

function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    if ('$geo' in value) return new Parse.GeoPoint(value.$geo[0], value.$geo[1]);
    if ('$date' in value) return new Date(value.$date);
    if ('$regexp' in value) return new RegExp(value.$regexp[0], value.$regexp[1]);
    if ('$query' in value) return build(value.$query);
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = decode(v);
    return out;
  }
  return value;
}

function build(program) {
  if (program.compound) {
    return Parse.Query[program.compound](...program.queries.map(build));
  }
  const query = new Parse.Query(program.className);
  for (const [method, ...args] of program.calls) {
    query[method](...args.map(decode));
  }
  return query;
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => (input += chunk));
process.stdin.on('end', () => {
  const programs = JSON.parse(input);
  process.stdout.write(JSON.stringify(programs.map(p => build(p).toJSON())));
});
