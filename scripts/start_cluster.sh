#!/usr/bin/env bash
# Run gossamer locally as systemd units of a real deployment would, with the bundled
# example config and a webhook sink that prints every notification.
#
#   scripts/start_cluster.sh [start]   set up (pip) if needed, start the sink and the node(s)
#   scripts/start_cluster.sh fire      post a test alert to every node
#   scripts/start_cluster.sh status    show what runs
#   scripts/start_cluster.sh stop      stop everything
#
# Node i listens for HTTP on 127.0.0.1:(i)9093 and for the cluster on 127.0.0.1:(i)9094.
# Three nodes by default (NODES=1 runs one); nodes two and three join through node one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUN=${GOSSAMER_RUN_DIR:-$ROOT/run}
NODES=${NODES:-3}
CONFIG=${CONFIG:-$ROOT/gossamer/examples/gossamer.yml}
SINK=127.0.0.1:19095
PY=${PYTHON:-python3}

pidfile() { echo "$RUN/$1.pid"; }
running() { [ -f "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }

start_one() {  # name, command...
  local name=$1; shift
  if running "$name"; then echo "$name already running"; return; fi
  nohup "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$(pidfile "$name")"
}

wait_ready() {  # url
  for _ in $(seq 1 100); do
    if curl -fsS "$1/-/ready" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2; return 1
}

cmd_start() {
  mkdir -p "$RUN"
  if ! "$PY" -c "import gossamer.node" 2>/dev/null; then
    "$PY" -m pip install -q -e "$ROOT"
  fi
  start_one sink "$PY" "$ROOT/scripts/webhook_sink.py" --listen "$SINK"
  local peers=()
  for i in $(seq 1 "$NODES"); do
    local args=(--config.file="$CONFIG" --storage.path="$RUN/node$i/data"
      --web.listen-address="127.0.0.1:${i}9093" --web.external-url="http://127.0.0.1:${i}9093"
      --cluster.listen-address="127.0.0.1:${i}9094" --cluster.peer-timeout=2s)
    [ "$i" -gt 1 ] && args+=(--cluster.peer=127.0.0.1:19094)
    mkdir -p "$RUN/node$i/data"
    start_one "node$i" "$PY" -m gossamer "${args[@]}"
    peers+=("http://127.0.0.1:${i}9093")
  done
  for url in "${peers[@]}"; do wait_ready "$url"; done
  echo "gossamer running: ${peers[*]}"
  echo "notifications print in $RUN/sink.log (tail -f it); fire a test alert with: $0 fire"
}

cmd_fire() {
  local now body
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  body="[{\"labels\":{\"alertname\":\"GossamerTest\",\"severity\":\"page\"},\"annotations\":{\"summary\":\"test alert\"},\"startsAt\":\"$now\"}]"
  for i in $(seq 1 "$NODES"); do
    curl -fsS -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:${i}9093/api/v2/alerts" -d "$body"
  done
  echo "fired GossamerTest at $NODES node(s); watch $RUN/sink.log"
}

cmd_status() {
  for name in sink $(seq -f 'node%g' 1 "$NODES"); do
    if running "$name"; then echo "$name: running (pid $(cat "$(pidfile "$name")"))"; else echo "$name: stopped"; fi
  done
}

cmd_stop() {
  for name in $(seq -f 'node%g' 1 "$NODES") sink; do
    if running "$name"; then kill "$(cat "$(pidfile "$name")")"; fi
    rm -f "$(pidfile "$name")"
  done
  echo stopped
}

case "${1:-start}" in
  start) cmd_start ;;
  fire) cmd_fire ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *) echo "usage: $0 [start|fire|status|stop]" >&2; exit 2 ;;
esac
