#!/usr/bin/env bash
# Rebuilds test/fixtures/model/question-small: a small model directory with a
# question/ stage, trained on data/benign with a fixed seed, for the golden
# tunnel cases and the tests that need a question model on disk. Few epochs
# keep it quick; it is a fixture, not a model to deploy.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=test/fixtures/model/question-small
[ -f dist/cli/main.js ] || npm run build >/dev/null
rm -rf "$out"
node dist/cli/main.js train --seed 53 --epochs 3 --question-epochs 60 -o "$out" data/benign/*.pcap 2>/dev/null
node dist/cli/main.js model info "$out"
