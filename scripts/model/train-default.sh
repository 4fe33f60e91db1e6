#!/usr/bin/env bash
# Rebuilds the shipped default model from the generated benign captures.
# Seeded: the same captures give the same model on the same backend.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run build >/dev/null
rm -rf models/default
node dist/cli/main.js train --seed 53 -o models/default data/benign/*.pcap
node dist/cli/main.js model info models/default
