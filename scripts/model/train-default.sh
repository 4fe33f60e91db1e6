#!/usr/bin/env bash
# Rebuilds the shipped default model, both stages in one `dnsae train` run,
# from the generated benign captures: data/benign (the servers' own traffic,
# transfers, load), data/benign/variety/train (large zone transfers, error
# answers to odd headers, more client stacks), data/hard-benign/train (legitimate names that look like
# tunnels) and data/population/train (a few hundred office clients). The
# held-out splits (data/hard-benign/test, data/population/test) and the public
# corpus are never trained on: they measure it (README, docs/question.md).
# Seeded: the same captures give the same model on the same backend.
# --target-fpr 0.0001: the autoencoder alone stays under 0.05% of the held-out
# benign flows with the rare error answers and transfers in them (docs/model.md,
# "Hybrid fusion"); the hybrid's autoencoder-only threshold (fusion.json) is
# calibrated by the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run build >/dev/null
rm -rf models/default
node dist/cli/main.js train --seed 53 --target-fpr 0.0001 -o models/default data/benign/*.pcap data/benign/variety/train/*.pcap data/hard-benign/train/*.pcap data/population/train/*.pcap
node dist/cli/main.js model info models/default
