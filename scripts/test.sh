#!/usr/bin/env bash
# The test command: builds, then runs every test (unit, integration, real-data, e2e) inside a
# private D-Bus session with an unlocked gnome-keyring, so keychain tests use the real OS keychain.
set -euo pipefail
cd "$(dirname "$0")/.."
# The bounded trading soak (about 1-2 minutes) is part of the suite; PERPSCOPE_SOAK=0 skips it.
export PERPSCOPE_SOAK="${PERPSCOPE_SOAK:-1}"
# Builds only when a source is newer than the part of the last build made from it: each package's
# tsc build record against that package's sources, and electron-vite's main bundle (which bundles
# shared and sdk too) against every source. Each is checked, since one can be rebuilt alone (a
# `tsc -b` run, an `electron-vite build`) and leave the others behind; each is compared only with
# its own inputs, since tsc leaves an up-to-date package's record untouched (and the records are
# touched after a full build). CI builds in
# setup.sh, so builds once.
build_if_stale() {
  local common='./*.json pnpm-lock.yaml'
  local -A inputs=(
    [shared/tsconfig.tsbuildinfo]="shared/src shared/*.json"
    [sdk/tsconfig.tsbuildinfo]="sdk/src sdk/*.json"
    [desktop/dist/.tsbuildinfo]="desktop/src/host desktop/src/server desktop/src/cli desktop/src/mcp desktop/src/gateway desktop/*.json"
    [desktop/out/main/index.js]="shared/src sdk/src desktop/src desktop/electron.vite.config.ts desktop/*.json"
  )
  local stale='' m
  for m in "${!inputs[@]}"; do
    # shellcheck disable=SC2086 # the input lists are globs to expand
    if [ ! -f "$m" ] || [ -n "$(find ${inputs[$m]} $common -type f -newer "$m" -print -quit 2>/dev/null)" ]; then
      stale="$m"
      break
    fi
  done
  if [ -z "$stale" ] && [ -f desktop/dist/cli/main.js ] && [ -f sdk/dist/index.js ]; then
    echo "test: build is up to date" >&2
  else
    echo "test: building (${stale:-an output is missing} is older than one of its sources)" >&2
    pnpm -s run build
    # An input the build does not read (tsconfig.test.json, say) would otherwise stay newer than
    # a record tsc leaves untouched, and every run would build again.
    touch "${!inputs[@]}"
  fi
}
# The whole suite also measures coverage and enforces its thresholds (vitest.config.ts); a run of
# chosen files does not, since their coverage is partial by design.
# vitest and Playwright both run and report even when the other fails; the exit status is
# non-zero when either failed.
run() {
  build_if_stale
  local coverage=()
  [ $# -eq 0 ] && coverage=(--coverage)
  local unit=0 e2e=0
  pnpm -s exec vitest run "${coverage[@]}" "$@" || unit=$?
  if [ -f test/e2e/playwright.config.ts ]; then
    pnpm -s --filter @perpscope/test exec playwright test -c e2e/playwright.config.ts || e2e=$?
  fi
  echo "test: vitest $([ "$unit" -eq 0 ] && echo passed || echo "FAILED (exit $unit)"), playwright $([ "$e2e" -eq 0 ] && echo passed || echo "FAILED (exit $e2e)")" >&2
  [ "$unit" -eq 0 ] && [ "$e2e" -eq 0 ]
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
