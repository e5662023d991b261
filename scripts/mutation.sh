#!/usr/bin/env bash
# Mutation testing of the portable core with Stryker.NET: which planted bugs do the device tests miss?
#
#   bash scripts/mutation.sh [PATH...]  each PATH under DeviceFirmware/, a folder or a file (default: Core)
#   e.g. bash scripts/mutation.sh Foundation/Storage
#        bash scripts/mutation.sh Core/Update/BootPlanner.cs
#        bash scripts/mutation.sh Core/Update/JournalStore.cs Core/Update/UpdateJournal.cs
# Several PATHs are one Stryker run (one build, one coverage pass, one RESULT line); they must all be mutated through the
# same host project (all under Core, all under Foundation/Crypto, or all in the rest of Foundation).
#
# Mutates the host project that compiles PATH: host/SecureDevice.Crypto for Foundation/Crypto/... and
# Foundation/ByteRange.cs, host/SecureDevice.Foundation for the rest of Foundation/ (text, time, storage),
# host/SecureDevice.Core for Core/... Stryker compiles and instruments EVERY file of the project it mutates and only then
# ignores the mutants outside PATH (its `mutate` filter marks them Ignored after compiling, CsharpMutationProcess), so
# the project is chosen by PATH, and the host splits the device's one foundation assembly in two for this (see
# host/SecureDevice.Crypto/SecureDevice.Crypto.csproj): a Storage run no longer instruments the crypto's inner loops.
# PATH Foundation (the whole foundation) is two Stryker runs, one per project, summed into one RESULT line.
# For each mutant it runs only the tests that cover it: the device tests of both test assemblies, DeviceFirmware.Tests
# and DeviceFirmware.Tests.Update (each nanoFramework test method is its own xunit case of NanoTests.Run, so coverage is
# credited to the right case and the filter below takes both), and the host's crypto cross-checks when the crypto is
# mutated. Prints a summary and one line:
#   RESULT killed=N survived=N timeout=N no_coverage=N compile_errors=N score=P
# where score = killed / (killed + survived + timeout + no_coverage): a timeout is not counted as a kill, unlike
# Stryker's own score. The HTML and JSON reports are in host/SecureDevice.Tests/StrykerOutput/<time>/reports/.
# Stryker leaves its mutated assembly in host/SecureDevice.Tests/bin/Release: the script deletes that build output
# (bin/Release, obj/Release) when it ends, however it ends, so no later Release test run picks a mutant up.
# Environment: STRYKER_CONCURRENCY (default 2), STRYKER_ADDITIONAL_TIMEOUT_MS (default 30000, see below),
# MUTATION_CRYPTO_TESTS_ONLY=1 (crypto paths: the crypto's own device tests only; a lower bound, see below).
# Not part of CI: all of the core takes hours on 2 cores; a folder takes minutes to tens of minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then set -- Core; fi

# The class of a PATH: which host project(s) compile it, and so which device tests can reach its mutants.
kind_of() {
  case "$1" in
    Foundation) echo foundation ;;
    Foundation/Crypto|Foundation/Crypto/*|Foundation/ByteRange.cs) echo crypto ;;
    Foundation/*) echo storage ;;
    Core|Core/*) echo core ;;
    *) echo other ;;
  esac
}

targets=()
patterns=""
kind=""
for arg in "$@"; do
  target="${arg#DeviceFirmware/}"
  target="${target%/}"
  if [ ! -e "DeviceFirmware/$target" ]; then
    echo "mutation: DeviceFirmware/$target does not exist (give a folder or file under DeviceFirmware/, e.g. Core/Update)" >&2
    exit 2
  fi
  this=$(kind_of "$target")
  if [ "$this" = other ]; then
    echo "mutation: only the portable core (Core/..., Foundation/...) is mutated, not $target" >&2
    exit 2
  fi
  if [ -n "$kind" ] && [ "$this" != "$kind" ]; then
    echo "mutation: $target is compiled by another host project than ${targets[0]}; run them separately" >&2
    exit 2
  fi
  kind="$this"
  targets+=("$target")
  if [ -d "DeviceFirmware/$target" ]; then
    patterns="$patterns\"**/$target/**/*.cs\", "
  else
    patterns="$patterns\"**/$target\", "
  fi
done

# The host project(s) that compile the PATHs.
case "$kind" in
  foundation) projects="SecureDevice.Crypto.csproj SecureDevice.Foundation.csproj" ;;
  crypto) projects="SecureDevice.Crypto.csproj" ;;
  storage) projects="SecureDevice.Foundation.csproj" ;;
  *) projects="SecureDevice.Core.csproj" ;;
esac

# The device tests run, but the device's crypto tests (namespace SecureDevice.Tests.Crypto, 77 cases) only when the
# crypto (or all of the foundation) is mutated: the crypto uses nothing above ByteRange, so they can reach no mutant of
# Storage, Text or Core. The host's crypto cross-checks (OpenSSL, Wycheproof, BigInteger) run only when the
# crypto is mutated: under the coverage probes their thousands of field operations make the coverage pass take most of
# an hour, and they exercise nothing but Foundation/Crypto.
tests="FullyQualifiedName~SecureDevice.Tests.NanoTestHost.NanoTests"
case "$kind" in
  storage) tests="($tests&DisplayName!~SecureDevice.Tests.Crypto.)" ;;
  # The host's Core/Update contract tests (host/SecureDevice.Tests/Update: the decision and transition tables against
  # docs/update-engine.md, the journal's setter gate) are fast and guard Core; without them UpdateTransitions' table
  # accessors, which only they read, count as uncovered.
  core) tests="($tests&DisplayName!~SecureDevice.Tests.Crypto.)|FullyQualifiedName~SecureDevice.Tests.Update." ;;
  *)
    # MUTATION_CRYPTO_TESTS_ONLY=1 keeps only the crypto's own device tests (namespace SecureDevice.Tests.Crypto: the
    # RFC 6234 and RFC 8032 vectors and edge cases; and ByteRangeTests): no host cross-checks (thousands of field
    # operations through the instrumented arithmetic) and none of the other device tests that merely hash or verify on
    # the way (every update test verifies bundles, so each crypto mutant would run hundreds of them). The score is then a
    # lower bound, and the run takes minutes instead of hours.
    if [ "${MUTATION_CRYPTO_TESTS_ONLY:-0}" = 1 ]; then
      tests="($tests&(DisplayName~SecureDevice.Tests.Crypto.|DisplayName~SecureDevice.Tests.ByteRangeTests))"
    else
      tests="$tests|FullyQualifiedName~SecureDevice.Tests.Crypto"
    fi ;;
esac

dotnet tool restore >/dev/null

# Stryker's project analysis (Buildalyzer) runs `dotnet --info` and gives up after 10 s with "Could not find build
# environment"; at load average 35 on this shared machine it took longer and the run stopped there. Buildalyzer reads
# its limit from DOTNET_INFO_WAIT_TIME (milliseconds).
export DOTNET_INFO_WAIT_TIME="${DOTNET_INFO_WAIT_TIME:-180000}"

# Stryker writes the mutated assembly over the test project's Release copy and leaves it there.
cleanup() {
  rm -f "${config:-}"
  rm -rf host/SecureDevice.Tests/bin/Release host/SecureDevice.Tests/obj/Release
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

dotnet build host/SecureDevice.Tests -c Release --nologo -v q >/dev/null

# Stryker's default coverage analysis is per test: each mutant runs only the cases that reached it.
# A mutant's time limit is 1.5 x (session start + the initial run time of the cases that cover it) + additional-timeout
# (TimeoutValueCalculator; Stryker's default is 5,000 ms). On this shared 2-core machine a load spike slows a session
# several-fold for seconds at a time: with 5 s of slack the first Foundation/Storage run reported 56 timeouts, most of
# them mutants such as an argument check inverted, which cannot loop. 30 s of slack absorbs a 10-fold slowdown of a
# 3-second set of cases, and costs 30 s for each mutant that really loops forever (a few per folder).
output="$PWD/host/SecureDevice.Tests/StrykerOutput"
reports=()
for project in $projects; do
before=$(ls -1 "$output" 2>/dev/null | sort | tail -n 1 || true)
config="$(mktemp --suffix=.json)"
cat > "$config" <<JSON
{
  "stryker-config": {
    "project": "$project",
    "configuration": "Release",
    "mutate": [ $patterns"!**/Properties/**" ],
    "test-case-filter": "$tests",
    "coverage-analysis": "perTest",
    "reporters": [ "json", "html", "progress" ],
    "concurrency": ${STRYKER_CONCURRENCY:-2},
    "additional-timeout": ${STRYKER_ADDITIONAL_TIMEOUT_MS:-30000},
    "thresholds": { "break": 0 }
  }
}
JSON
(
  cd host/SecureDevice.Tests
  dotnet stryker --config-file "$config"
)
rm -f "$config"
latest=$(ls -1 "$output" | sort | tail -n 1)
if [ -z "$latest" ] || [ "$latest" = "$before" ]; then
  echo "mutation: Stryker wrote no report for $project" >&2
  exit 1
fi
reports+=("$output/$latest/reports/mutation-report.json")
done

python3 - "${reports[@]}" <<'PY'
import json, sys
counts = {}
for path in sys.argv[1:]:
    report = json.load(open(path))
    for name, data in report["files"].items():
        for mutant in data["mutants"]:
            counts[mutant["status"]] = counts.get(mutant["status"], 0) + 1
killed = counts.get("Killed", 0)
survived = counts.get("Survived", 0)
timeout = counts.get("Timeout", 0)
nocov = counts.get("NoCoverage", 0)
errors = counts.get("CompileError", 0) + counts.get("RuntimeError", 0)
valid = killed + survived + timeout + nocov
score = 100.0 * killed / valid if valid else 0.0
for status in sorted(counts):
    print("  %-14s %d" % (status, counts[status]))
print("RESULT killed=%d survived=%d timeout=%d no_coverage=%d compile_errors=%d score=%.1f" % (killed, survived, timeout, nocov, errors, score))
PY
