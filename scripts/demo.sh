#!/usr/bin/env bash
# README's main command: installs what is missing, builds the host tools and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet build host/SecureDevice.Host.slnx --configuration Release --nologo -v quiet
echo "SecureDevice host build complete; run 'bash scripts/test.sh' to exercise the portable core."
