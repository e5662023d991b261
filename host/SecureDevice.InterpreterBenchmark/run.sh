#!/usr/bin/env bash
# Builds the interpreter benchmark and runs it under Mono's interpreter (the proxy for nanoCLR), Mono's JIT and .NET.
# Needs Debian's mono-runtime (apt-get install mono-runtime) and the .NET SDK. Each run ends with a RESULT line.
# Usage: bash host/SecureDevice.InterpreterBenchmark/run.sh [--samples N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v mono >/dev/null || { echo "mono not found: apt-get install mono-runtime" >&2; exit 2; }
dotnet build "$here" -c Release --nologo -v quiet >/dev/null
exe="$here/bin/Release/net472/SecureDevice.InterpreterBenchmark.exe"
mono --interpreter "$exe" --label mono-interpreter "$@"
mono "$exe" --label mono-jit --no-openssl "$@" | tail -n 1
dotnet "$here/bin/Release/net10.0/SecureDevice.InterpreterBenchmark.dll" --label dotnet --no-openssl "$@" | tail -n 1
