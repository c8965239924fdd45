#!/usr/bin/env bash
# Install what the project needs on a fresh Debian-like machine; safe to run again.
#   infra/setup.sh            venv with pinned packages, Java, DynamoDB Local
#   infra/setup.sh --browser  also Chromium for the end-to-end tests
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "需要 Python 3.11" >&2; exit 1; }

# Reinstall the venv only when the pinned requirements or the package layout change.
stamp=".venv/.requirements.sha256"
want=$(cat requirements-dev.txt requirements-lock.txt functions/requirements.txt pyproject.toml \
  | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== Python packages (.venv)"
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q -r requirements-dev.txt -c requirements-lock.txt
  # This project itself, editable: chalicelib, app, tools, infra and plugins import by name from
  # any folder. Built with the venv's own setuptools, so nothing unpinned is fetched for it.
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  echo "$want" > "$stamp"
fi

if ! command -v java >/dev/null; then
  echo "== Java (for DynamoDB Local)"
  apt_install openjdk-17-jre-headless
fi
# 微党课: the tests make short H.264/AAC, HEVC and WebM files at test time (tests/media_samples.py)
# and check them with ffprobe; editors convert lessons with it (README: 微党课 media).
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  echo "== ffmpeg (微党课 media)"
  apt_install ffmpeg
fi
if ! command -v npm >/dev/null; then
  echo "== npm (fetches DynamoDB Local)"
  apt_install npm
fi
.venv/bin/python infra/dynamodb_local.py install >/dev/null

# The JS/CSS browser-support checks and Lighthouse: exact versions from package-lock.json,
# reinstalled only when the lock changes.
node_stamp="node_modules/.package-lock.sha256"
want_node=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$node_stamp" 2>/dev/null)" != "$want_node" ]; then
  echo "== npm packages (node_modules)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want_node" > "$node_stamp"
fi
# The console's ECharts bundle (plugins/echarts_bundle): generated, not committed; every site build
# also rebuilds it when its entry or the npm lock changed.
.venv/bin/python -m plugins.echarts_bundle >/dev/null

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  echo "== Chromium (end-to-end tests)"
  apt_install chromium chromium-driver
fi
# A Chinese font: without one every character is a box and the layout test measures boxes.
if [ "${1:-}" = "--browser" ] && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "== 中文字体 (layout screenshots)"
  apt_install fonts-wqy-microhei
fi
