#!/usr/bin/env bash
# Trains a model on data/benign (or BENIGN) per seed with the given `dnsae train`
# options and evaluates each on data it never saw: the public corpus's
# benign captures (false positives), its anomalous captures, the foreign
# protocols moved to port 53 and the controls. One markdown row per seed.
# Nothing here is fed back into training: the corpus is only measured.
#
# Usage (after npm run build): scripts/model/model-sweep.sh LABEL "TRAIN OPTIONS" SEED...
#   scripts/model/model-sweep.sh count-60 "" 53 1 2 3
#   scripts/model/model-sweep.sh sqrt-300 "--dedupe sqrt --epochs 300" 53 1 2 3
# Environment: CORPUS (default ../shared/corpus), BENIGN (training captures,
# default data/benign), CALIBRATIONS (threshold rules to evaluate on each
# trained model, default "trained" = whatever `dnsae train` wrote; the others
# rewrite dnsae.json's threshold from its calibration record, which needs a
# model trained with the default --calibration half-step):
#   quantile   the held-out loss quantile q (the rule before half-step)
#   tolerance  q * 1.001 (alert on loss > t*(1+eps), eps 1e-3)
#   midway     (q + next larger held-out loss) / 2
#   half-step  q + half the loss of one wrong bit
#   CALIBRATIONS="quantile tolerance midway half-step" scripts/model/model-sweep.sh count-60 "" 53 1 2 3
set -euo pipefail
cd "$(dirname "$0")/../.."
label=${1:?usage: model-sweep.sh LABEL "TRAIN OPTIONS" SEED...}
opts=$2
shift 2
corpus=${CORPUS:-../shared/corpus}
benign=${BENIGN:-data/benign}
dnsae=dist/cli/main.js
work=$(mktemp -d /tmp/dnsae-sweep.XXXXXX)
trap 'rm -rf "$work"' EXIT

variants=${CALIBRATIONS:-trained}
echo "| config | calibration | seed | threshold (bits) | epochs | train s | benign FP samples (of 576) | benign FP flows (of 257) | anomalous files alerted ae/hybrid | foreign flows ae/hybrid (of 106) | tunnel flows ae (of 7) | control samples alerted ae |"
for seed in "$@"; do
  m=$work/m$seed
  # shellcheck disable=SC2086 # opts is a list of options
  DNSAE_LOG_LEVEL=warn node "$dnsae" train --seed "$seed" $opts -o "$m" "$benign"/*.pcap >/dev/null
  for variant in $variants; do
    v=$work/v
    rm -rf "$v" && cp -r "$m" "$v"
    if [ "$variant" != trained ]; then
      node -e '
        const fs = require("fs");
        const [file, variant] = process.argv.slice(1);
        const meta = JSON.parse(fs.readFileSync(file, "utf8"));
        const c = meta.calibration;
        if (!c) throw new Error(`${file}: no calibration record to derive ${variant} from`);
        const s = meta.spec;
        const bitTargets = (8 - (s.maskId ? 2 : 0)) * 8 + (s.lengthInput ? 1 : 0);
        const q = c.quantileLoss;
        const t = { quantile: q, tolerance: q * 1.001, midway: (q + c.nextLoss) / 2, "half-step": q + 0.5 / bitTargets }[variant];
        if (t === undefined) throw new Error(`unknown calibration variant ${variant}`);
        meta.threshold = t;
        delete meta.calibration;
        fs.writeFileSync(file, JSON.stringify(meta));
      ' "$v/dnsae.json" "$variant"
    fi
    node "$dnsae" evaluate --model "$v" --json --benign "$corpus"/benign/* --anomalous data/foreign-53/*.pcap >"$work/f.json" 2>/dev/null || true
    node "$dnsae" evaluate --model "$v" --json --benign "$corpus"/benign/* \
      --anomalous "$corpus"/anomalous/*.pcap "$corpus"/anomalous/*.pcapng >"$work/a.json" 2>/dev/null || true
    node "$dnsae" evaluate --model "$v" --json --benign "$corpus"/benign/* \
      --anomalous "$corpus"/anomalous/in-protocol-tunnel/* >"$work/t.json" 2>/dev/null || true
    node "$dnsae" evaluate --model "$v" --json --benign data/foreign-53/controls/*.pcap >"$work/c.json" 2>/dev/null || true
    node -e '
      const fs = require("fs");
      const [dir, label, seed, variant] = process.argv.slice(1);
      const j = (n) => JSON.parse(fs.readFileSync(`${dir}/${n}.json`, "utf8"));
      const meta = JSON.parse(fs.readFileSync(`${dir}/v/dnsae.json`, "utf8"));
      const f = j("f"), a = j("a"), t = j("t"), c = j("c");
      const files = a.files.filter((x) => x.label === "anomalous");
      const alerted = (d) => files.filter((x) => x.alertsBy[d].samples > 0).length;
      console.log(`| ${label} | ${variant} | ${seed} | ${(meta.threshold * 48).toFixed(2)} | ${meta.training.epochs} | ${meta.training.seconds.toFixed(1)} | ` +
        `${f.perSample.ae.fp} | ${f.perFlow.ae.fp} | ${alerted("ae")}/${alerted("hybrid")} of ${files.length} | ` +
        `${f.perFlow.ae.tp}/${f.perFlow.hybrid.tp} | ${t.perFlow.ae.tp} | ${c.perSample.ae.fp} |`);
    ' "$work" "$label" "$seed" "$variant"
  done
done
