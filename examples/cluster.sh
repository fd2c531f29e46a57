#!/usr/bin/env bash
# A Parse Server cluster whose LiveQuery is served by `lq serve --parse-server`.
#
#   clients --REST--> Parse Server :1337 --publishes saves/deletes--> Redis :6390
#   clients --WebSocket--> lq serve --parse-server :1340 <--subscribes-- Redis
#                          (asks Parse Server about sessions, roles and CLPs over REST)
#
# Needs redis-server, Node.js with parse-server (`npx parse-server`, or set
# PARSE_SERVER_BIN), lq, and a database for Parse Server:
#
#   DATABASE_URI=postgres://user:pw@localhost/parse examples/cluster.sh
#
# then, in another shell (the script prints the app id):
#
#   lq tail Game --server-url http://127.0.0.1:1337/parse \
#       --live-query-url ws://127.0.0.1:1340/parse --app-id cluster-demo
#
# Add more nodes by starting more `lq serve --parse-server` processes on other
# ports (or machines) with the same Redis and Parse Server; put them behind a
# load balancer or give clients several URLs (`lq tail --live-query-url A,B`).
# Ctrl-C stops everything.
set -euo pipefail

: "${DATABASE_URI:?set DATABASE_URI to the Parse Server database (mongodb or postgres URL)}"
APP_ID="${APP_ID:-cluster-demo}"
CLASSES="${CLASSES:-Game}" # comma-separated: Parse Server publishes only these classes
REDIS_PORT="${REDIS_PORT:-6390}"
PARSE_PORT="${PARSE_PORT:-1337}"
LQ_PORT="${LQ_PORT:-1340}"
PARSE_SERVER_BIN="${PARSE_SERVER_BIN:-npx parse-server}"
LQ_BIN="${LQ_BIN:-lq}"

workdir="$(mktemp -d)"
cleanup() {
    kill $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

# The master key lives in a file readable by this user only: never on a command line.
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$workdir/master.key"
redis_url="redis://127.0.0.1:$REDIS_PORT"
parse_url="http://127.0.0.1:$PARSE_PORT/parse"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    >"$workdir/redis.log" 2>&1 &

# liveQuery.classNames: the classes Parse Server publishes on Redis.
# liveQuery.redisURL: where it publishes them (the same Redis as the lq nodes).
class_list="$(printf '%s' "$CLASSES" | sed 's/[^,][^,]*/"&"/g')"
PARSE_SERVER_APPLICATION_ID="$APP_ID" \
PARSE_SERVER_MASTER_KEY="$(cat "$workdir/master.key")" \
PARSE_SERVER_DATABASE_URI="$DATABASE_URI" \
PARSE_SERVER_URL="$parse_url" \
PARSE_SERVER_LIVE_QUERY="{\"classNames\": [$class_list], \"redisURL\": \"$redis_url\"}" \
PORT="$PARSE_PORT" \
    $PARSE_SERVER_BIN >"$workdir/parse-server.log" 2>&1 &

for _ in $(seq 240); do
    if curl -fsS "$parse_url/health" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
curl -fsS "$parse_url/health" >/dev/null || { echo "Parse Server did not start:" >&2; tail "$workdir/parse-server.log" >&2; exit 1; }

# Parse Server 8+ lets only the master key create classes: create the published ones.
printf 'X-Parse-Master-Key: %s\n' "$(cat "$workdir/master.key")" >"$workdir/master.header"
IFS=',' read -ra class_names <<<"$CLASSES"
for class_name in "${class_names[@]}"; do
    curl -sS -o /dev/null -X POST "$parse_url/schemas/$class_name" \
        -H "X-Parse-Application-Id: $APP_ID" -H @"$workdir/master.header" \
        -H "Content-Type: application/json" -d "{\"className\": \"$class_name\"}"
done

LQ_MASTER_KEY_FILE="$workdir/master.key" "$LQ_BIN" serve \
    --parse-server "$parse_url" --redis-url "$redis_url" \
    --app-id "$APP_ID" --port "$LQ_PORT" &

echo "app id: $APP_ID; REST: $parse_url; LiveQuery: ws://127.0.0.1:$LQ_PORT/parse" >&2
wait
