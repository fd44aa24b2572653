#!/usr/bin/env bash
# The test command: builds, then runs every test (unit, integration, real-data, e2e) inside a
# private D-Bus session with an unlocked gnome-keyring, so keychain tests use the real OS keychain.
set -euo pipefail
cd "$(dirname "$0")/.."
# The bounded trading soak (about 1-2 minutes) is part of the suite; PERPSCOPE_SOAK=0 skips it.
export PERPSCOPE_SOAK="${PERPSCOPE_SOAK:-1}"
run() {
  pnpm -s run build
  pnpm -s exec vitest run "$@"
  if [ -f test/e2e/playwright.config.ts ]; then
    pnpm -s --filter @perpscope/test exec playwright test -c e2e/playwright.config.ts
  fi
}
if [ -z "${PERPSCOPE_IN_KEYRING:-}" ] && command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  export PERPSCOPE_IN_KEYRING=1
  # A throwaway keyring directory: a login keyring left on the machine (with another password)
  # would otherwise stay locked, and tests must never touch the user's real keyring.
  XDG_DATA_HOME="$(mktemp -d)"
  export XDG_DATA_HOME
  exec dbus-run-session -- bash -c 'echo -n perpscope-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec bash scripts/test.sh "$@"' _ "$@"
fi
if [ -n "${PERPSCOPE_IN_KEYRING:-}" ]; then
  run "$@"
else
  echo "note: dbus-run-session or gnome-keyring-daemon missing; keychain tests will report the keychain as unavailable" >&2
  run "$@"
fi
