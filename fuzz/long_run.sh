#!/usr/bin/env bash
# The documented long run: `bash fuzz/long_run.sh SECONDS TARGET...` runs each target for
# SECONDS on one core (seeded by seed.sh) and prints one line per target: executions,
# coverage edges (libFuzzer `cov`), features, corpus size and crashes (files in artifacts/).
set -uo pipefail
cd "$(dirname "$0")"
secs=$1; shift
bash seed.sh >/dev/null
mkdir -p logs
for t in "$@"; do
    mkdir -p "artifacts/$t"
    cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
        -print_final_stats=1 >"logs/$t.log" 2>&1
    rc=$?
    execs=$(grep -a -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}')
    last=$(grep -a -E '^#[0-9]+' "logs/$t.log" | tail -n 1)
    cov=$(echo "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
    ft=$(echo "$last" | sed -nE 's/.*ft: ([0-9]+).*/\1/p')
    corp=$(echo "$last" | sed -nE 's/.*corp: ([0-9]+).*/\1/p')
    crashes=$(find "artifacts/$t" -type f | wc -l)
    echo "$t: ${execs:-?} executions in ${secs} s, ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?}, ${crashes} crashes (exit $rc)"
done
