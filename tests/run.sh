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
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc-nogui)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
dpkg -s chromium-l10n >/dev/null 2>&1 || need_apt+=(chromium-l10n)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
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

cargo test "$@"
