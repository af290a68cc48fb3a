#!/usr/bin/env bash
# Used by action.yml: run appt2dispatch on what a pull request touches and collect one
# markdown report (the comment), the JSON report and the worst verdict.
# Inputs (env): MODE (diff|migrate), SCAN_PATH, NAMESPACE, BASE_REF.
# Outputs ($GITHUB_OUTPUT): verdict (none|no-behavior-change|behavior-change|blocked|error),
# report (path of the markdown report).
#
# Both modes run `appt2dispatch migrate` as a dry run, so the comment carries a patch that
# `git apply` takes: `diff` limits it to the dispatch HelmReleases the pull request adds or
# changes (`--only`, the whole tree still read for context), `migrate` covers SCAN_PATH.
# Portable to bash 3.2 (macOS runners): no mapfile, no empty "${array[@]}" under set -u.
set -uo pipefail

out="${RUNNER_TEMP:-/tmp}/appt2dispatch"
mkdir -p "$out"
report="$out/report.md"
json="$out/migrate.json"
: > "$report"
rm -f "$json"
# GitHub refuses comments over 65,536 characters.
max_comment_bytes=64000
args=()
if [ -n "${NAMESPACE:-}" ]; then args=(--namespace "$NAMESPACE"); fi
verdict=none

# The worst verdict in a migrate JSON report ("none" without releases), or "error" when
# the report is missing or unreadable.
json_verdict() {
  python - "$1" <<'PY' 2>/dev/null || echo error
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
order = ["no-behavior-change", "behavior-change", "blocked", "error"]
verdicts = [release["verdict"] for release in data["releases"]]
print(max(verdicts, key=order.index) if verdicts else "none")
PY
}

# One line per release, for a report too long to be a comment.
json_summary() {
  python - "$1" <<'PY' 2>/dev/null
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
for release in data["releases"]:
    print(f"- `{release['path']}` ({release['name']}): **{release['verdict']}**")
PY
}

run_migrate() {
  # $1: tree root; the rest: extra arguments (--only FILE ...).
  local root="$1"
  shift
  appt2dispatch migrate ${args[@]+"${args[@]}"} "$@" --format markdown --json-report "$json" \
    -- "$root" > "$report" 2> "$out/stderr.txt"
  local code=$?
  if [ "$code" -ge 2 ] && [ -s "$out/stderr.txt" ]; then
    { echo; echo '```'; cat "$out/stderr.txt"; echo '```'; } >> "$report"
  fi
  if [ "$code" -ge 3 ]; then verdict=error; else verdict="$(json_verdict "$json")"; fi
}

if [ "${MODE:-diff}" = migrate ]; then
  run_migrate "$SCAN_PATH"
elif [ -z "${BASE_REF:-}" ]; then
  echo "appt2dispatch: \`mode: diff\` compares a pull request with its base branch; this run is not for a pull request (use \`mode: migrate\`)." >> "$report"
elif ! top="$(git rev-parse --show-toplevel 2> /dev/null)"; then
  echo "appt2dispatch: \`mode: diff\` needs the repository checked out (actions/checkout with fetch-depth: 0)." >> "$report"
  verdict=error
else
  cd "$top" || exit 1
  # A full history is needed for the merge base (actions/checkout with fetch-depth: 0);
  # fetch the base branch only when it is missing, and never shallow.
  if ! git rev-parse --verify --quiet "origin/$BASE_REF" > /dev/null; then
    git fetch --quiet --no-tags origin "+refs/heads/$BASE_REF:refs/remotes/origin/$BASE_REF" || true
  fi
  range="origin/$BASE_REF...HEAD"
  if ! git merge-base "origin/$BASE_REF" HEAD > /dev/null 2>&1; then
    echo "::warning title=appt2dispatch::no merge base with origin/$BASE_REF (shallow checkout? use fetch-depth: 0); comparing with its tip"
    range="origin/$BASE_REF"
  fi
  only=()
  while IFS= read -r -d '' file; do
    [ -f "$file" ] || continue
    grep -q 'kind: HelmRelease' "$file" 2>/dev/null || continue
    grep -Eq 'ghcr.io/misospace/(dispatch|mission-control)' "$file" || continue
    only+=(--only "$file")
  done < <(git diff -z --name-only --diff-filter=ACMR "$range" -- '*.yaml' '*.yml' 2>/dev/null)
  if [ "${#only[@]}" -eq 0 ]; then
    echo "appt2dispatch: this pull request changes no dispatch HelmRelease on app-template." >> "$report"
  else
    run_migrate . "${only[@]}"
  fi
fi

if [ "$(wc -c < "$report")" -gt "$max_comment_bytes" ]; then
  {
    echo "**appt2dispatch: $verdict**"
    echo
    json_summary "$json"
    echo
    echo "The full report is too long for one comment: it is in the job log, and as JSON in the \`appt2dispatch-report\` artifact of this run."
  } > "$out/short.md"
  cat "$report"  # the job log keeps the whole report
  report="$out/short.md"
fi

echo "verdict=$verdict" >> "${GITHUB_OUTPUT:-/dev/null}"
echo "report=$report" >> "${GITHUB_OUTPUT:-/dev/null}"
cat "$report"
