#!/usr/bin/env bash
# Runs every test: the nanoFramework device tests of both test assemblies (through the host layer), the API gate and all
# host tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
python3 tools/sync_nfproj.py --check
dotnet test host/SecureDevice.Host.slnx --configuration Release --nologo "$@"
