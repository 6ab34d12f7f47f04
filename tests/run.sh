#!/usr/bin/env bash
# The whole test suite, on a fresh machine as on a developer's: install what
# the tests use and is missing, then run every test.
#
# The tests drive real programs: LibreOffice converts and re-reads the
# spreadsheets we write and read, Chromium (through chromedriver) runs the
# browser tests, CJK fonts render the pages and workbooks, openpyxl reads our
# workbooks independently, numpy, scipy and statsmodels recompute the
# statistics of how sure a ranking is, and schemathesis tests the API
# against its OpenAPI document. Debian packages need root: as another user the script asks sudo
# for the apt-get steps alone.
#
# The suite runs twice: on SQLite (every test), then the integration tests
# on PostgreSQL, in a throwaway cluster this script starts and removes, or
# on the server HALLSCORE_TEST_POSTGRES names
# (postgres://user@host:port/dbname; each test creates and drops its own
# database there).
set -euo pipefail
cd "$(dirname "$0")/.."

# The folder of PostgreSQL's server programs (initdb, pg_ctl), which Debian
# keeps off PATH; empty when there are none.
postgres_bin() {
  local initdb
  initdb=$(command -v initdb 2>/dev/null ||
    find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
  if [[ -n $initdb ]]; then dirname "$initdb"; fi
}

need_apt=()
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc-nogui)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
dpkg -s chromium-l10n >/dev/null 2>&1 || need_apt+=(chromium-l10n)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
if [[ -z ${HALLSCORE_TEST_POSTGRES:-} && -z $(postgres_bin) ]]; then
  need_apt+=(postgresql)
fi
if ((${#need_apt[@]})); then
  as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "缺少测试所需的软件包:${need_apt[*]}。安装它们需要 root:" \
        "请以 root 执行 apt-get install ${need_apt[*]},再运行本脚本。" >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

python3 -c 'import openpyxl' 2>/dev/null || python3 -m pip install --quiet openpyxl
# The independent computation of intervals and inspector effects.
python3 -c 'import numpy, scipy, pandas, statsmodels' 2>/dev/null ||
  python3 -m pip install --quiet numpy scipy pandas statsmodels
if ! command -v st >/dev/null 2>&1; then
  python3 -m pip install --quiet schemathesis
  # Under pyenv a package's commands appear on PATH only after a rehash.
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi

# A PostgreSQL cluster of its own in a temporary folder, on a free loopback
# port, for this run only. It starts as an unprivileged user (as root, the
# postgres user the Debian package creates), since PostgreSQL refuses to
# run as root; its superuser is called postgres either way. It may lose
# data on a crash (fsync off): nothing outlives the run.
start_postgres() {
  local bin port
  bin=$(postgres_bin)
  postgres_dir=$(mktemp -d)
  as_postgres=()
  trap stop_postgres EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$postgres_dir"
    as_postgres=(runuser -u postgres --)
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_postgres[@]}" "$bin/initdb" -D "$postgres_dir/data" -U postgres --auth=trust \
    -E UTF8 --locale=C >"$postgres_dir/initdb.log" 2>&1 || {
    cat "$postgres_dir/initdb.log" >&2
    echo "无法初始化测试用的 PostgreSQL 数据库(initdb 失败,见上方输出)。" >&2
    exit 1
  }
  # Enough connections for parallel tests, each server with its own pool.
  "${as_postgres[@]}" "$bin/pg_ctl" -D "$postgres_dir/data" -l "$postgres_dir/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$postgres_dir" \
    -o "-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || {
    cat "$postgres_dir/server.log" >&2
    echo "无法启动测试用的 PostgreSQL(端口 $port,见上方日志)。" >&2
    exit 1
  }
  export HALLSCORE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
}

# Stops the cluster and removes its folder, however the script ends.
stop_postgres() {
  if [[ -f $postgres_dir/data/postmaster.pid ]]; then
    "${as_postgres[@]}" "$(postgres_bin)/pg_ctl" -D "$postgres_dir/data" -m immediate stop \
      >/dev/null 2>&1 || true
  fi
  rm -rf "$postgres_dir"
}

if [[ -z ${HALLSCORE_TEST_POSTGRES:-} ]]; then
  start_postgres
fi

# SQLite: every test.
env -u HALLSCORE_TEST_POSTGRES cargo test "$@"

# PostgreSQL: the integration tests again, but for those about the SQLite
# file itself, which a PostgreSQL database does not have:
postgres_skips=(
  # its permissions (a database the server may not write),
  faults::a_database_the_server_cannot_write_refuses_writes_and_keeps_reading
  # the file outgrowing a full disk (RLIMIT_FSIZE),
  faults::an_import_onto_a_full_disk_stores_nothing_and_says_so
  faults::a_full_disk_refuses_writes_loses_nothing_and_keeps_reading
  # its backup (`hallscore backup` copies the SQLite file),
  faults::a_backup_taken_during_writes_is_complete_and_sound
  cli::backup_is_a_sound_copy
  # and SQLite's write lock held by another program.
  contention::a_database_locked_by_another_program_answers_503_and_a_retry_succeeds
)
echo "在 PostgreSQL 上再运行一遍集成测试:$HALLSCORE_TEST_POSTGRES" >&2
cargo test --test app -- "${postgres_skips[@]/#/--skip=}"
# And the unit tests of how statements travel to a PostgreSQL server,
# which need one (ignored in the SQLite pass).
cargo test --lib storage::sql::postgres_tests -- --ignored
