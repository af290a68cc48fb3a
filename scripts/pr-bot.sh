#!/usr/bin/env bash
# Used by action.yml: run appt2dispatch on what a pull request touches and collect
# one markdown report, the JSON reports and the worst verdict.
# Inputs (env): MODE (diff|migrate), SCAN_PATH, NAMESPACE, BASE_REF.
set -uo pipefail

out="${RUNNER_TEMP:-/tmp}/appt2dispatch"
mkdir -p "$out"
report="$out/report.md"
: > "$report"
ns_args=()
[ -n "${NAMESPACE:-}" ] && ns_args=(--namespace "$NAMESPACE")
worst=none

rank() { case "$1" in none) echo 0 ;; no-behavior-change) echo 1 ;; behavior-change) echo 2 ;; blocked) echo 3 ;; *) echo 4 ;; esac; }
note_verdict() { if [ "$(rank "$1")" -gt "$(rank "$worst")" ]; then worst="$1"; fi; }
verdict_of() { case "$1" in 0) echo no-behavior-change ;; 1) echo "${2:-behavior-change}" ;; *) echo error ;; esac; }

if [ "${MODE:-diff}" = migrate ]; then
  appt2dispatch migrate "$SCAN_PATH" "${ns_args[@]}" --format markdown > "$report" 2> "$out/stderr.txt"
  code=$?
  appt2dispatch migrate "$SCAN_PATH" "${ns_args[@]}" --format json > "$out/migrate.json" 2>/dev/null
  note_verdict "$(verdict_of "$code")"
  [ "$code" -ge 2 ] && { echo '```'; cat "$out/stderr.txt"; echo '```'; } >> "$report"
else
  git fetch --quiet --depth=1 origin "$BASE_REF" 2>/dev/null || true
  mapfile -t changed < <(git diff --name-only --diff-filter=AM "origin/$BASE_REF...HEAD" -- '*.yaml' '*.yml' 2>/dev/null)
  n=0
  for file in "${changed[@]}"; do
    grep -q 'kind: HelmRelease' "$file" 2>/dev/null || continue
    grep -Eq 'ghcr.io/misospace/(dispatch|mission-control)' "$file" || continue
    n=$((n + 1))
    json="$out/report-$n.json"
    {
      echo "### \`$file\`"
      echo
    } >> "$report"
    appt2dispatch diff "$file" "${ns_args[@]}" --format markdown --json-report "$json" >> "$report" 2> "$out/stderr.txt"
    code=$?
    if [ "$code" -ge 2 ]; then
      { echo '```'; cat "$out/stderr.txt"; echo '```'; } >> "$report"
      note_verdict error
    else
      note_verdict "$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$json")"
    fi
    echo >> "$report"
  done
  [ "$n" -eq 0 ] && echo "appt2dispatch: this pull request changes no dispatch HelmRelease on app-template." >> "$report"
fi

echo "verdict=$worst" >> "${GITHUB_OUTPUT:-/dev/null}"
echo "report=$report" >> "${GITHUB_OUTPUT:-/dev/null}"
cat "$report"
