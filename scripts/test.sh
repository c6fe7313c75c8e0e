#!/usr/bin/env bash
# Sets up and runs every test: installs the real components, starts them, builds, runs xunit.
# Prints "N passed, N failed[, N skipped]" last; exits non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --tests
bash scripts/services.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build conduit.sln -c Release -nologo -v quiet
# The stand-in node image every Docker test shares (built once, locally: no registry is reachable).
[[ -x tests/standin/build.sh ]] && tests/standin/build.sh

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
set +e
dotnet test tests/Conduit.Tests -c Release --no-build --nologo \
  --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?
# The per-packet path must not allocate: BenchmarkDotNet (short job, memory diagnoser) guards it, in every
# full run (not when test arguments pick a subset).
guard="" guard_status=0
if (($# == 0)); then
  guard=$(cd benchmarks/Conduit.Benchmarks && dotnet bin/Release/net10.0/Conduit.Benchmarks.dll guard 2>&1)
  guard_status=$?
  grep '^guard: ' <<<"$guard"
fi
set -e

trx="$results/tests.trx"
if [[ ! -f $trx ]]; then
  echo "test: no results were written" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
passed=$(get passed); failed=$(get failed); total=$(get total); executed=$(get executed)
skipped=$((total - executed))
failed=$((failed + $(get error) + $(get timeout) + $(get aborted)))
guard_passed=$(grep -c '^guard: ok ' <<<"$guard" || true)
guard_failed=$(grep -c '^guard: FAIL ' <<<"$guard" || true)
((guard_status != 0 && guard_failed == 0)) && guard_failed=1
passed=$((passed + guard_passed)); failed=$((failed + guard_failed))
line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
echo "$line"
((failed == 0 && status == 0 && guard_status == 0))
