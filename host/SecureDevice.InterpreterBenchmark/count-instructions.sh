#!/usr/bin/env bash
# Machine instructions per operation under Mono's interpreter, counted by valgrind's callgrind: the same figure however
# busy the machine is, unlike the timings. Needs mono-runtime and valgrind.
# Usage: bash host/SecureDevice.InterpreterBenchmark/count-instructions.sh [EXE]   (EXE defaults to this project's build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exe="${1:-$here/bin/Release/net472/SecureDevice.InterpreterBenchmark.exe}"
[ -f "$exe" ] || dotnet build "$here" -c Release --nologo -v quiet >/dev/null
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null mono --interpreter "$exe" --untimed "$1" "$2" 2>&1 |
        awk '/Collected/ { print $4 }'
}
line="RESULT"
for op in sha256:4 sha512:4 verify:10; do
    name="${op%%:*}"
    runs="${op##*:}"
    empty=$(count "$name" 0)
    full=$(count "$name" "$runs")
    line="$line ${name}_minstr=$(awk -v a="$empty" -v b="$full" -v n="$runs" 'BEGIN { printf "%.2f", (b - a) / n / 1e6 }')"
done
echo "$line"
