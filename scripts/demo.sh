#!/usr/bin/env bash
# README's main command: installs what is missing (mosquitto, openssl, gcc and the mosquitto headers), builds the host
# tools and the broker's refusal counter plugin, and runs 'securedevice demo' with it: a throwaway PKI, the reference
# broker (counting the publishes its ACL refuses) and virtual devices running the firmware core, every promise checked.
# Extra arguments go to the demo, e.g. 'bash scripts/demo.sh --devices 5 --keep /tmp/sd-demo'.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet build host/SecureDevice.Host.slnx --configuration Release --nologo -v quiet
make -s -C host/broker/refusal-counter
exec dotnet host/SecureDevice.Tool/bin/Release/net10.0/securedevice.dll demo \
    --refusal-plugin host/broker/refusal-counter/build/securedevice_refusal_counter.so "$@"
