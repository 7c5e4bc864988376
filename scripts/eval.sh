#!/usr/bin/env bash
# make eval: the fault-injection sweep. Builds the image and kairos-eval, generates random
# partition configs (uunifast task sets, three RTOS VMs on cores 1-3, core 1, 2 or 3 fails silently at
# a chosen instant), runs each under deterministic QEMU (2 at a time, with a timeout), keeps
# the consoles in eval/runs/<family>-<mode>-<n>.log and writes eval/report.md with its SVG plots.
# Knobs: SEEDS (task-set seeds, default "1 2 3 4 5 6"), FAULTS (in-place instants per seed,
# default 12), COPY_FAULTS (5), TWO_FAULTS (9),
# JOBS (parallel QEMUs, default 2), RUN_TIMEOUT (s per run, default 60), OUT, TARGET_ROOT.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build-eval}
TARGET_ROOT=${TARGET_ROOT:-target-eval}
SEEDS=${SEEDS:-"1 2 3 4 5 6"}
FAULTS=${FAULTS:-12}
JOBS=${JOBS:-2}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
start=$(date +%s)

echo "eval: building the image ($OUT) and kairos-eval"
make --no-print-directory image IMAGE_SET=test OUT="$OUT" TARGET_ROOT="$TARGET_ROOT"
CARGO_TARGET_DIR=$TARGET_ROOT cargo build -q --release -p kairos-eval
# The overhead tables (costs, footprint, RTOS, vGIC, downtime against VM size): make bench.
echo "eval: measuring overheads and downtime against VM size (scripts/bench.sh)"
OUT="$OUT" bash scripts/test-configs.sh
OUT="$OUT" bash scripts/bench.sh > eval/bench.txt
tool=$TARGET_ROOT/release/kairos-eval
image=$OUT/qemu-virt/Image
runs=eval/runs
rm -rf "$runs" && mkdir -p "$runs"

# Fault instants: spread over one 40 ms hyperperiod of the period menu, starting at 40 ms,
# with a per-seed offset so the seeds do not sample the same phases; the failing core cycles
# through the VM cores 1, 2 and 3. Three families, each instant run in both resume modes
# (kairos,resume "asap" and "planned", the config otherwise the same):
#   inplace  one fail-stop, memory remapped in place (FAULTS instants per seed);
#   copy     one fail-stop, 8 MiB VMs copied to the spare, U <= 0.45 so a busy core can be the
#            better target (COPY_FAULTS per seed);
#   two      two fail-stops 5 ms apart, U <= 0.4: the second VM finds no spare and shares a
#            busy core (TWO_FAULTS per seed).
COPY_FAULTS=${COPY_FAULTS:-5}
TWO_FAULTS=${TWO_FAULTS:-9}
list=()
n=0
add_family() { # family count extra-args...
    local family=$1 count=$2
    shift 2
    for seed in $SEEDS; do
        for ((i = 0; i < count; i++)); do
            n=$((n + 1))
            local at=$((40000 + i * 40000 / count + (seed * 7919) % (40000 / count)))
            local core=$((1 + i % 3))
            local extra="$*"
            extra=${extra//@second/$((1 + (i + 1) % 3))}
            for mode in asap planned; do
                list+=("$family-$mode-$n $seed $at $core --resume $mode $extra")
            done
        done
    done
}
add_family inplace "$FAULTS"
add_family copy "$COPY_FAULTS" --copy --memory-mib 8 --max-u 0.45 --horizon-ms 250
add_family two "$TWO_FAULTS" --second-fault-core @second --max-u 0.4
total=${#list[@]}

run_one() { # name seed at_us core gen-config-args...
    local name=$1 seed=$2 at=$3 core=$4
    shift 4
    "$tool" gen-config --seed "$seed" --fault-at-us "$at" --fault-core "$core" "$@" --out "$runs/$name.dts"
    dtc -q -I dts -O dtb -o "$runs/$name.dtb" "$runs/$name.dts"
    timeout "$RUN_TIMEOUT" qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
        -cpu cortex-a72,cntfrq=1000000000 -smp 4 -m 1G -nographic -nic none \
        -icount shift=0,sleep=off -kernel "$image" -initrd "$runs/$name.dtb" > "$runs/$name.log" 2>&1 \
        || echo "eval: run $name (seed $seed, fault at $at us) ended with status $? (timeout 124)"
    rm -f "$runs/$name.dtb"
}

echo "eval: $total runs (seeds: $SEEDS; $FAULTS in place, $COPY_FAULTS copy, $TWO_FAULTS two-fault instants each, both resume modes), $JOBS at a time"
done_runs=0
for entry in "${list[@]}"; do
    # shellcheck disable=SC2086
    run_one $entry &
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    done_runs=$((done_runs + 1))
    printf 'eval: run %d/%d (%s)\n' "$done_runs" "$total" "${entry%% *}"
done
wait

bench=()
[ -f eval/bench.txt ] && bench=(--bench eval/bench.txt)
elapsed=$(( $(date +%s) - start ))
"$tool" summarize --choice --out eval --seconds "$elapsed" "${bench[@]}" "$runs"/*.log
"$tool" report --trace "$runs/inplace-asap-1.log" --svg eval/timeline-run1.svg > eval/run1.md
# The platform's measured downtime model (from make bench's runs above): detection latency of
# the fail-stop scenario, the policy's bounds for decide/state/remap/restore
# (hypervisor/src/migration/inputs.rs), and the copy bandwidth the spare core measured.
detect_ns=$(sed -n 's/^EVT .*"ev":"fault_detected".*"latency_ns":\([0-9]*\).*/\1/p' "$OUT/bench-migrate-slack.log" | head -1)
copy_bps=$(sed -n 's/^EVT .*"ev":"copy_calibrated".*"bytes_per_s":\([0-9]*\).*/\1/p' "$OUT/bench-size-1-copy.log" | head -1)
model="$(( (${detect_ns:-400000} + 999) / 1000 )),150,10,$(( ${copy_bps:-1000000000} / 1000000 )),10,60"
echo "eval: feasibility with the measured downtime model $model"
"$tool" feasibility --config tests/configs/migrate-demo.dts --vm rtos0 --downtime-model "$model" \
    --svg eval/feasibility-rtos0.svg > eval/feasibility-rtos0.txt
# PNG copies of every plot (all written by now), for viewers that do not show SVG.
for svg in eval/*.svg; do
    rsvg-convert -b white -o "${svg%.svg}.png" "$svg"
done
echo "eval: done in $(( $(date +%s) - start )) s; see eval/report.md"
