#!/usr/bin/env node
// Parse Server 9 with LiveQuery on one HTTP port, configured from LQ_RIG_* env vars.
//
// The test rig (tests/support/parse_server.py) and the benchmarks start this file
// instead of the `parse-server` CLI because the CLI cannot express the
// configuration LiveQuery needs on 9.10.0 when it shares the process with the
// REST API: `directAccess: false` (with direct access, LiveQuery's session-token
// lookup throws inside PromiseRouter.match and every token is rejected) and
// `liveQueryServerOptions` that carry appId/masterKey/serverURL/keyPairs (with
// masterKey in keyPairs, or no LiveQuery client is ever treated as master).
//
// Protocol with the caller: exactly one line `READY <port>` on stdout once REST
// and LiveQuery are listening and the published classes exist. Everything else
// goes to stderr at the configured level. Secrets come only from the
// environment and are never printed.
//
// Environment:
//   LQ_RIG_PORT            port to listen on (0 = pick a free one; READY tells which)
//   LQ_RIG_HOST            interface (default 127.0.0.1)
//   LQ_RIG_MOUNT           REST mount path (default /parse)
//   LQ_RIG_DATABASE_URI    postgres://... (required; LiveQuery-only nodes use the REST node's)
//   LQ_RIG_APP_ID          application id (default "lq-test")
//   LQ_RIG_MASTER_KEY      master key (required)
//   LQ_RIG_JS_KEY          JavaScript key (optional; when set, REST requires a client key)
//   LQ_RIG_REST_KEY        REST API key (optional)
//   LQ_RIG_CLASS_NAMES     comma-separated classes LiveQuery publishes (default: the rig's list)
//   LQ_RIG_REDIS_URL       redis://... to share LiveQuery events between nodes
//   LQ_RIG_LIVEQUERY_ONLY  "1": serve only LiveQuery (no REST); needs LQ_RIG_SERVER_URL
//                          and LQ_RIG_REDIS_URL to receive the REST node's events
//   LQ_RIG_SERVER_URL      REST URL LiveQuery uses for session/role lookups
//                          (default: this process's own REST URL)
//   LQ_RIG_CACHE_TIMEOUT_MS  ms LiveQuery trusts a session's user and roles (its
//                          `cacheTimeout`, and the server's `cacheTTL`; default Parse's 5000)
//   LQ_RIG_LOG_LEVEL       Parse Server log level (default "error")
//   LQ_RIG_LOG_DIR         folder for Parse Server's own log files (default: none)
//   LQ_RIG_ALLOW_CLIENT_CLASS_CREATION  "1" to let clients create classes (default: off,
//                          as in a real Parse Server 8+ deployment)
//   LQ_RIG_LOGIN_RATE_LIMIT  N > 0: Parse Server's `rateLimit` on /login, N requests a
//                          minute per address, loopback included (default: none)
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');

// stdout belongs to the READY line alone: Parse Server's console and winston
// output (deprecation notices and the like) is redirected to stderr.
const writeProtocolLine = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);

// Parse Server's module-level logger reads its folder from the environment when
// it is first required, and defaults to ./logs: no log files unless asked for.
process.env.PARSE_SERVER_LOGS_FOLDER = process.env.LQ_RIG_LOG_DIR || 'null';

// The classes the rig publishes through LiveQuery. Tests share these classes and
// isolate themselves with unique field values instead of inventing new classes,
// because Parse Server only publishes classes named here at start-up.
const DEFAULT_CLASS_NAMES = [
  'Game', 'Player', 'Job', 'Item', 'Note', 'Secret', 'Message', 'Doc', 'Order',
  'Event', 'Task', 'Bench', 'Demo', 'Post', 'Comment', 'Room', 'Sensor', 'Reading',
  'Counter', 'Place', 'Wire', '_User', '_Role',
];

function env(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function fail(message) {
  process.stderr.write(`parse_server.js: ${message}\n`);
  process.exit(2);
}

function readConfig() {
  const liveQueryOnly = env('LQ_RIG_LIVEQUERY_ONLY', '') === '1';
  const config = {
    port: Number.parseInt(env('LQ_RIG_PORT', '0'), 10),
    host: env('LQ_RIG_HOST', '127.0.0.1'),
    mount: env('LQ_RIG_MOUNT', '/parse'),
    databaseURI: env('LQ_RIG_DATABASE_URI', undefined),
    appId: env('LQ_RIG_APP_ID', 'lq-test'),
    masterKey: env('LQ_RIG_MASTER_KEY', undefined),
    javascriptKey: env('LQ_RIG_JS_KEY', undefined),
    restAPIKey: env('LQ_RIG_REST_KEY', undefined),
    classNames: env('LQ_RIG_CLASS_NAMES', DEFAULT_CLASS_NAMES.join(','))
      .split(',')
      .map(name => name.trim())
      .filter(name => name !== ''),
    redisURL: env('LQ_RIG_REDIS_URL', undefined),
    liveQueryOnly,
    serverURL: env('LQ_RIG_SERVER_URL', undefined),
    logLevel: env('LQ_RIG_LOG_LEVEL', 'error'),
    logsFolder: env('LQ_RIG_LOG_DIR', null),
    allowClientClassCreation: env('LQ_RIG_ALLOW_CLIENT_CLASS_CREATION', '') === '1',
    loginRateLimit: Number.parseInt(env('LQ_RIG_LOGIN_RATE_LIMIT', '0'), 10),
    cacheTimeoutMs: Number.parseInt(env('LQ_RIG_CACHE_TIMEOUT_MS', '0'), 10),
  };
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    fail('LQ_RIG_PORT must be a port number');
  }
  if (!config.masterKey) {
    fail('LQ_RIG_MASTER_KEY is required');
  }
  if (!config.databaseURI) {
    fail('LQ_RIG_DATABASE_URI is required');
  }
  if (config.liveQueryOnly && !config.serverURL) {
    fail('LQ_RIG_LIVEQUERY_ONLY needs LQ_RIG_SERVER_URL (the REST node to ask about sessions)');
  }
  if (!config.mount.startsWith('/')) {
    fail('LQ_RIG_MOUNT must start with /');
  }
  return config;
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

// Only keys that are configured go into keyPairs: LiveQuery accepts a client
// when any one of its keys matches, and treats it as master only through the
// `masterKey` entry.
function liveQueryKeyPairs(config) {
  const pairs = { masterKey: config.masterKey };
  if (config.javascriptKey) pairs.javascriptKey = config.javascriptKey;
  if (config.restAPIKey) pairs.restAPIKey = config.restAPIKey;
  return pairs;
}

// Creates the published classes that do not exist yet, with the master key, the
// way an operator provisions a Parse Server 8+ app (clients may not create
// classes). Idempotent, so a restart on the same database is cheap.
async function ensureClasses(serverURL, config) {
  const headers = {
    'X-Parse-Application-Id': config.appId,
    'X-Parse-Master-Key': config.masterKey,
    'Content-Type': 'application/json',
  };
  const listing = await fetch(`${serverURL}/schemas`, { headers });
  if (!listing.ok) {
    throw new Error(`GET /schemas answered HTTP ${listing.status}`);
  }
  const existing = new Set((await listing.json()).results.map(schema => schema.className));
  for (const className of config.classNames) {
    if (existing.has(className) || !/^[A-Za-z][A-Za-z0-9_]*$/.test(className)) {
      continue; // system classes exist already; patterns cannot be created
    }
    const response = await fetch(`${serverURL}/schemas/${className}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ className }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      if (body.code !== 103) {
        // 103: created concurrently by another node on the same database
        throw new Error(`creating class ${className} failed: HTTP ${response.status} code ${body.code}`);
      }
    }
  }
}

// Starts Parse Server and a LiveQuery server on `httpServer`. A LiveQuery-only
// node (LQ_RIG_LIVEQUERY_ONLY) still builds a ParseServer on the shared
// database without mounting its REST API: on 9.10.0 a bare
// createLiveQueryServer() has no app Config in the process, and its subscribe
// handler then fails every non-master subscription (it reads
// Config.get(appId).requestComplexity).
async function startServers(config, app, httpServer, port) {
  const { ParseServer } = require('parse-server');
  const ownURL = `http://${config.host}:${port}${config.mount}`;
  const serverURL = config.liveQueryOnly ? config.serverURL : ownURL;
  const liveQuery = { classNames: config.classNames };
  const liveQueryServerOptions = {
    appId: config.appId,
    masterKey: config.masterKey,
    serverURL: config.serverURL || ownURL,
    keyPairs: liveQueryKeyPairs(config),
    logLevel: config.logLevel,
  };
  if (config.redisURL) {
    liveQuery.redisURL = config.redisURL;
    liveQueryServerOptions.redisURL = config.redisURL;
  }
  const options = {
    appId: config.appId,
    masterKey: config.masterKey,
    maintenanceKey: crypto.randomBytes(24).toString('hex'),
    databaseURI: config.databaseURI,
    serverURL,
    mountPath: config.mount,
    directAccess: false,
    allowClientClassCreation: config.allowClientClassCreation,
    liveQuery,
    logLevel: config.logLevel,
    logsFolder: config.logsFolder,
    verbose: false,
    verifyServerUrl: false,
    enableInsecureAuthAdapters: false,
    fileUpload: { allowedFileUrlDomains: [] },
  };
  if (config.cacheTimeoutMs > 0) {
    liveQueryServerOptions.cacheTimeout = config.cacheTimeoutMs;
    options.cacheTTL = config.cacheTimeoutMs;
  }
  if (config.javascriptKey) options.javascriptKey = config.javascriptKey;
  if (config.restAPIKey) options.restAPIKey = config.restAPIKey;
  if (config.loginRateLimit > 0) {
    options.rateLimit = [{
      requestPath: '/login',
      requestTimeWindow: 60 * 1000,
      requestCount: config.loginRateLimit,
      includeInternalRequests: true, // the rig talks over loopback, which is exempt otherwise
    }];
  }

  const api = new ParseServer(options);
  await api.start();
  if (!config.liveQueryOnly) {
    app.use(config.mount, api.app);
  }
  const liveQueryServer = await ParseServer.createLiveQueryServer(
    httpServer,
    liveQueryServerOptions,
    options,
  );
  if (!config.liveQueryOnly) {
    await ensureClasses(ownURL, config);
  }
  return { api, liveQueryServer };
}

async function main() {
  const config = readConfig();
  const express = require('express');
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const port = await listen(httpServer, config.port, config.host);
  const started = await startServers(config, app, httpServer, port);

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    // Bounded: a stuck database pool must not keep a test waiting.
    setTimeout(() => process.exit(0), 2000).unref();
    Promise.allSettled([
      started.liveQueryServer?.shutdown?.(),
      started.api?.handleShutdown?.(),
      new Promise(resolve => httpServer.close(resolve)),
    ]).then(() => process.exit(0));
    httpServer.closeAllConnections?.();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  writeProtocolLine(`READY ${port}\n`);
}

main().catch(error => {
  const message = error && error.stack ? error.stack : String(error);
  process.stderr.write(`parse_server.js: start-up failed: ${message}\n`);
  process.exit(1);
});
