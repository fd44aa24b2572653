#!/usr/bin/env bash
# Copies the README's view screenshots out of the last e2e run (test/e2e/screenshots, written by the Playwright part of
# `pnpm test`, against `perpscope serve --sim` in Chromium) into docs/screenshots, so the README
# shows the views as the current build draws them. Run after a green e2e run; fails if one is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
src=test/e2e/screenshots
dst=docs/screenshots
mkdir -p "$dst"
# README name <- e2e screenshot
pairs=(
  "rankings.png:rankings.png"
  "rankings-explain.png:desk-controls-score-explain.png"
  "chart.png:chart-panes.png"
  "chart-flag.png:chart-flag.png"
  "trading.png:trader-desk-chart-lines.png"
  "ticket-preview.png:trader-desk-ticket-preview.png"
  "history.png:trader-desk-history.png"
  "signals.png:signals.png"
  "backtest.png:backtest.png"
  "backtest-compare.png:backtest-compare.png"
  "live.png:live-position.png"
  "settings.png:desk-controls-settings-validation.png"
  "keys.png:keys.png"
  "health.png:health.png"
)
for p in "${pairs[@]}"; do
  name=${p%%:*}; from=${p#*:}
  [ -f "$src/$from" ] || { echo "missing $src/$from: run the e2e (pnpm test) first" >&2; exit 1; }
  cp "$src/$from" "$dst/$name"
done
echo "copied ${#pairs[@]} screenshots into $dst"
