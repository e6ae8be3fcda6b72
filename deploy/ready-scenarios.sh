#!/usr/bin/env bash
# Prints the scenario files (one a line) whose map folder is ready, i.e. has parcels.geojson.
#
#   deploy/ready-scenarios.sh [SCENARIO.toml...]     (default: scenarios/*.toml)
#
# Why: some shipped scenarios (sacramento-*, jeonbuk-*) point at maps that `gridsite import`
# must build first. Given to a batch as they are, they would each be an `error` row and make
# the whole run exit 2; the cluster scripts run what can run and say what they skipped.
set -euo pipefail

if [ $# -eq 0 ]; then
  shopt -s nullglob
  set -- scenarios/*.toml
  shopt -u nullglob
fi

for scenario in "$@"; do
  # The scenario's top-level `map = "..."`, resolved against the scenario's folder as gridsite
  # resolves it. A line-level read is enough for the shipped files; a scenario this misreads
  # is still run by gridsite, which reports a real error for it.
  map=$(sed -n 's/^[[:space:]]*map[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$scenario" | head -n 1)
  if [ -z "$map" ]; then
    echo "$scenario"
    continue
  fi
  case "$map" in
    /*) folder=$map ;;
    *) folder=$(dirname "$scenario")/$map ;;
  esac
  if [ -f "$folder/parcels.geojson" ]; then
    echo "$scenario"
  else
    echo "skipping $scenario: its map $folder has no parcels.geojson (run gridsite import first)" >&2
  fi
done
