#!/usr/bin/env bash
# A throw-away 3-node RabbitMQ cluster on this machine, for failover tests and local experiments.
#
#   scripts/rabbitmq-cluster.sh up             start (or reuse) the cluster; print its AMQP URLs
#   scripts/rabbitmq-cluster.sh down           stop the three nodes and delete CLUSTER_DIR
#   scripts/rabbitmq-cluster.sh status         cluster_status of the cluster
#   scripts/rabbitmq-cluster.sh urls           the AMQP URL list of a running cluster
#   scripts/rabbitmq-cluster.sh stop-node a    stop one node (its Erlang VM), keeping its data
#   scripts/rabbitmq-cluster.sh start-node a   start it again; it rejoins the cluster
#   scripts/rabbitmq-cluster.sh connections a  the client connections on one node, by name
#   scripts/rabbitmq-cluster.sh check          exit 0 if rabbitmq-server is installed
#
# It runs the installed rabbitmq-server (3.x) next to the machine's own broker without touching
# it: its own node names, AMQP and distribution ports, data/log/pid directories, config, an empty
# plugins file (so no management listener), and its own Erlang cookie in CLUSTER_DIR, used as HOME
# by the nodes and by every rabbitmqctl call here (~/.erlang.cookie and /etc/rabbitmq are not read
# or changed). Only the shared epmd daemon is used, as every Erlang node on a machine does.
#
# Environment (read by `up`; the other commands use what `up` saved in CLUSTER_DIR/cluster.env):
#   CLUSTER_DIR            base directory (default /tmp/orders-rabbitmq-cluster)
#   CLUSTER_BASE_PORT      AMQP port of node a; b and c use the next two (default 5681)
#   CLUSTER_DIST_BASE_PORT Erlang distribution port of node a, b and c the next two
#                          (default CLUSTER_BASE_PORT + 20000)
#   CLUSTER_NODE_PREFIX    node names are <prefix>-a@<host>, ... (default orders)
#   CLUSTER_HOST           host part of the node names (default localhost)
#   CLUSTER_TIMEOUT        seconds to wait for a node to start or stop (default 60)
# Progress goes to stderr; `up` and `urls` print only the comma-separated URL list on stdout.
set -euo pipefail
umask 077

readonly NODES=(a b c)
readonly MARKER=.orders-rabbitmq-cluster
SCRIPT_NAME=$(basename "$0")
readonly SCRIPT_NAME

CLUSTER_DIR=${CLUSTER_DIR:-/tmp/orders-rabbitmq-cluster}
CLUSTER_DIR=${CLUSTER_DIR%/}
REQ_BASE_PORT=${CLUSTER_BASE_PORT:-5681}
REQ_DIST_BASE_PORT=${CLUSTER_DIST_BASE_PORT:-$((REQ_BASE_PORT + 20000))}
REQ_PREFIX=${CLUSTER_NODE_PREFIX:-orders}
REQ_HOST=${CLUSTER_HOST:-localhost}
TIMEOUT=${CLUSTER_TIMEOUT:-60}

# The settings in effect; `load_settings` replaces them with those of the running cluster.
BASE_PORT=$REQ_BASE_PORT
DIST_BASE_PORT=$REQ_DIST_BASE_PORT
PREFIX=$REQ_PREFIX
HOST=$REQ_HOST
RABBIT_BIN=''

log() { printf '[%s +%ss] %s\n' "$SCRIPT_NAME" "$SECONDS" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

validate() {
  [[ $CLUSTER_DIR == /?* ]] ||
    die "CLUSTER_DIR must be an absolute path other than / (got '$CLUSTER_DIR')"
  local value
  for value in "$BASE_PORT" "$DIST_BASE_PORT" "$TIMEOUT"; do
    [[ $value =~ ^[0-9]+$ ]] || die "ports and CLUSTER_TIMEOUT must be numbers (got '$value')"
  done
  ((BASE_PORT >= 1024 && BASE_PORT + 2 <= 65535)) ||
    die "CLUSTER_BASE_PORT out of range: $BASE_PORT"
  ((DIST_BASE_PORT >= 1024 && DIST_BASE_PORT + 2 <= 65535)) ||
    die "CLUSTER_DIST_BASE_PORT out of range: $DIST_BASE_PORT"
  [[ $PREFIX =~ ^[A-Za-z0-9_-]+$ ]] || die "CLUSTER_NODE_PREFIX must be letters, digits, - or _"
  [[ $HOST =~ ^[A-Za-z0-9.-]+$ ]] || die "CLUSTER_HOST must be a host name"
}

# Finds the real rabbitmq-server and rabbitmqctl scripts. Debian/Ubuntu/RPM packages put a wrapper
# on PATH that re-runs them as the `rabbitmq` user through su, which resets HOME (and with it the
# Erlang cookie) and cannot write to CLUSTER_DIR; the scripts it wraps are in /usr/lib/rabbitmq/bin.
find_rabbitmq() {
  local server real dir
  server=$(PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v rabbitmq-server 2>/dev/null) ||
    server=''
  if [[ -z $server ]]; then
    die 'rabbitmq-server is not installed (not on PATH, nor in /usr/sbin or /usr/local/sbin);' \
      'install it (e.g. apt-get install rabbitmq-server) to run the cluster.'
  fi
  real=$(readlink -f "$server")
  dir=$(dirname "$real")
  if [[ $(basename "$real") == rabbitmq-script-wrapper ]]; then
    RABBIT_BIN=$dir
  elif grep -q 'rabbitmq-script-wrapper\|su rabbitmq' "$real" 2>/dev/null &&
    [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
    RABBIT_BIN=/usr/lib/rabbitmq/bin
  else
    RABBIT_BIN=$dir
  fi
  [[ -x $RABBIT_BIN/rabbitmq-server && -x $RABBIT_BIN/rabbitmqctl ]] ||
    die "found $server but no rabbitmq-server and rabbitmqctl scripts in $RABBIT_BIN"
}

index_of() {
  case $1 in
    a) echo 0 ;;
    b) echo 1 ;;
    c) echo 2 ;;
    *) die "unknown node '$1' (expected a, b or c)" ;;
  esac
}

node_name() { echo "$PREFIX-$1@$HOST"; }
amqp_port() { echo $((BASE_PORT + $(index_of "$1"))); }
dist_port() { echo $((DIST_BASE_PORT + $(index_of "$1"))); }
node_dir() { echo "$CLUSTER_DIR/$1"; }
pid_file() { echo "$CLUSTER_DIR/$1/rabbitmq.pid"; }

urls() {
  local n list=()
  for n in "${NODES[@]}"; do
    list+=("amqp://guest:guest@127.0.0.1:$(amqp_port "$n")")
  done
  (
    IFS=,
    echo "${list[*]}"
  )
}

# Runs a RabbitMQ script for node $1 with the cluster's environment only.
with_node_env() {
  local n=$1
  shift
  local dir
  dir=$(node_dir "$n")
  env -u XDG_CONFIG_HOME -u RABBITMQ_ERLANG_COOKIE \
    HOME="$CLUSTER_DIR" \
    RABBITMQ_CONF_ENV_FILE="$CLUSTER_DIR/rabbitmq-env.conf" \
    RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_USE_LONGNAME=false \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
    RABBITMQ_DIST_PORT="$(dist_port "$n")" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_PID_FILE="$(pid_file "$n")" \
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$CLUSTER_DIR/enabled_plugins" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
    "$@"
}

# rabbitmqctl against node $1, bounded in time, with the cluster's cookie.
ctl() {
  local n=$1
  shift
  with_node_env "$n" timeout "$((TIMEOUT + 10))" \
    "$RABBIT_BIN/rabbitmqctl" -q -n "$(node_name "$n")" "$@"
}

save_settings() {
  cat >"$CLUSTER_DIR/cluster.env" <<EOF
BASE_PORT=$BASE_PORT
DIST_BASE_PORT=$DIST_BASE_PORT
PREFIX=$PREFIX
HOST=$HOST
EOF
}

# Reads the settings `up` saved; returns 1 when there are none.
load_settings() {
  local file=$CLUSTER_DIR/cluster.env key value
  [[ -f $file ]] || return 1
  while IFS='=' read -r key value; do
    case $key in
      BASE_PORT) BASE_PORT=$value ;;
      DIST_BASE_PORT) DIST_BASE_PORT=$value ;;
      PREFIX) PREFIX=$value ;;
      HOST) HOST=$value ;;
    esac
  done <"$file"
  validate
}

# Whether process $1 is the Erlang VM of node $2 of this cluster: its environment names the node and
# a data directory in CLUSTER_DIR (still readable after CLUSTER_DIR was deleted under it).
is_node_process() {
  local vars
  vars=$(tr '\0' '\n' 2>/dev/null <"/proc/$1/environ") || return 1
  grep -qxF "RABBITMQ_NODENAME=$(node_name "$2")" <<<"$vars" &&
    grep -qxF "RABBITMQ_MNESIA_BASE=$(node_dir "$2")/mnesia" <<<"$vars"
}

# The pid of node $1's Erlang VM if it runs: from its pid file, else by looking through the
# beam.smp processes (e.g. when CLUSTER_DIR was deleted under a running node).
node_pid() {
  local n=$1 file pid
  file=$(pid_file "$n")
  if [[ -f $file ]]; then
    pid=$(tr -dc '0-9' <"$file")
    if [[ -n $pid ]] && is_node_process "$pid" "$n"; then
      echo "$pid"
      return 0
    fi
  fi
  for pid in $(pgrep -x beam.smp || true); do
    if is_node_process "$pid" "$n"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# A node of the same name that is not ours (another CLUSTER_DIR) would clash in epmd.
check_name_free() {
  local n=$1 pid
  for pid in $(pgrep -x beam.smp || true); do
    if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" |
      grep -qxF "RABBITMQ_NODENAME=$(node_name "$n")"; then
      die "node $(node_name "$n") already runs (pid $pid) from another CLUSTER_DIR;" \
        "stop it or set CLUSTER_NODE_PREFIX"
    fi
  done
}

wait_gone() {
  local pid=$1 seconds=$2 i
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# Stops node $1: gracefully through rabbitmqctl, else SIGTERM, else SIGKILL. Quiet if not running.
stop_node() {
  local n=$1 pid
  pid=$(node_pid "$n") || {
    rm -f "$(pid_file "$n")"
    return 0
  }
  log "stopping $(node_name "$n") (pid $pid)"
  # Without the cookie (directory deleted under a running node) only a signal can stop it.
  if [[ ! -f $CLUSTER_DIR/.erlang.cookie ]] || ! ctl "$n" stop >/dev/null 2>&1 ||
    ! wait_gone "$pid" 20; then
    log "$(node_name "$n") did not stop through rabbitmqctl; sending SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 10; then
      log "$(node_name "$n") ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || die "cannot stop pid $pid"
    fi
  fi
  rm -f "$(pid_file "$n")"
}

port_in_use() {
  [[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]
}

# Starts node $1 from its data directory and waits until RabbitMQ runs on it.
start_node() {
  local n=$1 dir
  dir=$(node_dir "$n")
  if node_pid "$n" >/dev/null; then
    log "$(node_name "$n") is already running"
  else
    local port
    for port in "$(amqp_port "$n")" "$(dist_port "$n")"; do
      ! port_in_use "$port" || die "port $port (for $(node_name "$n")) is used by another process"
    done
    log "starting $(node_name "$n") on AMQP port $(amqp_port "$n")"
    # stdio goes to a file and the lock is not inherited, so the detached VM holds neither a pipe
    # of whoever called this script nor the lock.
    (cd "$dir" && with_node_env "$n" "$RABBIT_BIN/rabbitmq-server" -detached \
      >>"$dir/log/startup.log" 2>&1 </dev/null 9>&-) ||
      die "rabbitmq-server failed to start $(node_name "$n"); see $dir/log"
  fi
  await_node "$n"
}

await_node() {
  local n=$1 dir begun=$SECONDS
  dir=$(node_dir "$n")
  # Polls cheaply until the AMQP listener is up (the end of the boot), then asks RabbitMQ itself;
  # a rabbitmqctl polling all along would be one more Erlang VM competing for the CPU.
  until port_in_use "$(amqp_port "$n")"; do
    ((SECONDS - begun < TIMEOUT)) ||
      die "$(node_name "$n") did not open its AMQP port within ${TIMEOUT}s; see $dir/log"
    if ((SECONDS - begun > 5)) && ! node_pid "$n" >/dev/null; then
      die "$(node_name "$n") exited while booting; see $dir/log"
    fi
    sleep 0.25
  done
  if ! ctl "$n" await_startup --timeout "$TIMEOUT" >/dev/null 2>"$dir/log/await.err"; then
    cat "$dir/log/await.err" >&2
    die "$(node_name "$n") did not finish booting; see $dir/log"
  fi
}

running_count() {
  ctl "$1" eval 'length(rabbit_nodes:all_running()).' 2>/dev/null | tr -dc '0-9'
}

# Whether the three nodes run and form one cluster.
healthy() {
  local n
  [[ -f $CLUSTER_DIR/.erlang.cookie ]] || return 1
  for n in "${NODES[@]}"; do
    node_pid "$n" >/dev/null || return 1
  done
  [[ $(running_count a) == 3 ]]
}

wait_healthy() {
  local deadline=$((SECONDS + TIMEOUT))
  until [[ $(running_count "${1:-a}") == 3 ]]; do
    ((SECONDS < deadline)) || die "the cluster did not report 3 running nodes within ${TIMEOUT}s"
    sleep 0.5
  done
}

# Stops whatever an earlier run left (using its saved settings) and removes CLUSTER_DIR.
clean() {
  if [[ -e $CLUSTER_DIR && ! -f $CLUSTER_DIR/$MARKER ]]; then
    if [[ -d $CLUSTER_DIR && -z $(ls -A "$CLUSTER_DIR") ]]; then
      rmdir "$CLUSTER_DIR"
    else
      die "$CLUSTER_DIR exists and was not created by this script; remove it or set CLUSTER_DIR"
    fi
  fi
  stop_all
  rm -rf "$CLUSTER_DIR"
}

# Stops the three nodes at once (the data is thrown away, so the order does not matter).
stop_all() {
  local n failed=0
  for n in "${NODES[@]}"; do
    stop_node "$n" &
  done
  for n in "${NODES[@]}"; do
    wait -n || failed=1
  done
  ((failed == 0)) || die 'a node could not be stopped'
}

create_dirs() {
  local n cookie
  mkdir -p "$CLUSTER_DIR"
  touch "$CLUSTER_DIR/$MARKER"
  cookie=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F')
  printf '%s' "$cookie" >"$CLUSTER_DIR/.erlang.cookie"
  chmod 400 "$CLUSTER_DIR/.erlang.cookie"
  # Replaces /etc/rabbitmq/rabbitmq-env.conf, which configures the machine's own node.
  echo '# orders cluster: settings come from the environment' >"$CLUSTER_DIR/rabbitmq-env.conf"
  echo '[].' >"$CLUSTER_DIR/enabled_plugins"
  for n in "${NODES[@]}"; do
    mkdir -p "$CLUSTER_DIR/$n/mnesia" "$CLUSTER_DIR/$n/log"
    cat >"$CLUSTER_DIR/$n/rabbitmq.conf" <<EOF
# Node $(node_name "$n") of the orders test cluster (replaces /etc/rabbitmq/rabbitmq.conf).
listeners.tcp.default = 127.0.0.1:$(amqp_port "$n")
loopback_users.guest = true
log.console = false
log.file.level = info
cluster_partition_handling = pause_minority
EOF
  done
  save_settings
}

cmd_up() {
  validate
  local wanted="$BASE_PORT $DIST_BASE_PORT $PREFIX $HOST"
  if load_settings && [[ "$BASE_PORT $DIST_BASE_PORT $PREFIX $HOST" == "$wanted" ]] && healthy; then
    log "already up: $(node_name a), $(node_name b), $(node_name c)"
    urls
    return 0
  fi
  log "cleaning up ${CLUSTER_DIR} from an earlier run (if any)"
  clean
  BASE_PORT=$REQ_BASE_PORT DIST_BASE_PORT=$REQ_DIST_BASE_PORT PREFIX=$REQ_PREFIX HOST=$REQ_HOST
  local n port
  for n in "${NODES[@]}"; do
    node_pid "$n" >/dev/null && die "$(node_name "$n") is still running"
    check_name_free "$n"
    for port in "$(amqp_port "$n")" "$(dist_port "$n")"; do
      ! port_in_use "$port" ||
        die "port $port is already in use; set CLUSTER_BASE_PORT / CLUSTER_DIST_BASE_PORT"
    done
  done
  create_dirs
  local started=$SECONDS
  # Boot the three VMs at once (the slow part), then cluster b and c onto a.
  for n in "${NODES[@]}"; do
    start_node "$n" &
  done
  local failed=0
  for n in "${NODES[@]}"; do
    wait -n || failed=1
  done
  ((failed == 0)) || die "a node failed to start; see $CLUSTER_DIR/*/log"
  for n in b c; do
    log "joining $(node_name "$n") to $(node_name a)"
    ctl "$n" stop_app >/dev/null 2>&1 || die "stop_app failed on $(node_name "$n")"
    ctl "$n" join_cluster "$(node_name a)" >/dev/null 2>"$CLUSTER_DIR/$n/log/join.err" || {
      cat "$CLUSTER_DIR/$n/log/join.err" >&2
      die "$(node_name "$n") could not join $(node_name a)"
    }
    ctl "$n" start_app >/dev/null 2>&1 || die "start_app failed on $(node_name "$n")"
  done
  wait_healthy a
  log "cluster of 3 running nodes up in $((SECONDS - started))s"
  urls
}

cmd_down() {
  validate
  if [[ ! -e $CLUSTER_DIR ]]; then
    # Nothing saved; still stop nodes of these names (e.g. the directory was deleted by hand).
    stop_all
    log "down; there was no $CLUSTER_DIR"
    return 0
  fi
  load_settings || true
  clean
  log "down; removed $CLUSTER_DIR"
}

require_cluster() {
  load_settings || die "no cluster at $CLUSTER_DIR (run '$SCRIPT_NAME up' first)"
}

cmd_status() {
  require_cluster
  local n
  for n in "${NODES[@]}"; do
    if node_pid "$n" >/dev/null; then
      if ctl "$n" cluster_status; then
        return 0
      fi
    fi
  done
  die 'no node of the cluster answers'
}

cmd_stop_node() {
  require_cluster
  index_of "$1" >/dev/null
  stop_node "$1"
  log "$(node_name "$1") stopped"
}

cmd_start_node() {
  require_cluster
  index_of "$1" >/dev/null
  local started=$SECONDS
  start_node "$1"
  # A restarted node rejoins from its own cluster membership; wait until all three see it.
  wait_healthy "$1"
  log "$(node_name "$1") running and clustered again in $((SECONDS - started))s"
}

main() {
  local command=${1:-}
  [[ -n $command ]] || usage
  find_rabbitmq
  if [[ $command == check ]]; then
    log "using $RABBIT_BIN"
    return 0
  fi
  validate
  exec 9>"$CLUSTER_DIR.lock"
  # One command at a time per CLUSTER_DIR (e.g. two test runs sharing the default directory).
  flock -w $((TIMEOUT * 3)) 9 || die "another $SCRIPT_NAME holds $CLUSTER_DIR.lock"
  case $command in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    urls)
      require_cluster
      healthy || die 'the cluster is not fully up'
      urls
      ;;
    connections)
      require_cluster
      index_of "${2:?usage: $SCRIPT_NAME connections a|b|c}" >/dev/null
      # The name a client gave its connection (connection_name), else the broker's peer name.
      ctl "$2" list_connections name client_properties --no-table-headers |
        sed -E 's/^[^\t]*\t.*\{"connection_name","([^"]*)"\}.*/\1/; t; s/\t.*//'
      ;;
    stop-node) cmd_stop_node "${2:?usage: $SCRIPT_NAME stop-node a|b|c}" ;;
    start-node) cmd_start_node "${2:?usage: $SCRIPT_NAME start-node a|b|c}" ;;
    *) usage ;;
  esac
}

main "$@"
