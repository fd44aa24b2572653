#!/usr/bin/env bash
# Sets up a fresh Debian machine for Perpscope: system packages, pnpm, dependencies from the
# frozen lockfile (native modules built from source), and a full build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential python3 libsecret-1-dev gnome-keyring dbus dbus-x11 chromium xvfb redis-server)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version | grep -q '^10\.'; then
  echo "setup: installing pnpm 10"
  npm install -g pnpm@10 >/dev/null
fi

# Electron's binary cannot be fetched on machines without internet; nothing here needs it
# except launching the desktop window.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
pnpm install --frozen-lockfile
pnpm run build
