#!/usr/bin/env bash
# The paravirtual RTOS's costs (for `make bench`): boots the rtos-bench guest alone on a 1-core
# QEMU virt under deterministic time (-icount shift=0,sleep=off, 1 GHz counter: one tick is one
# instruction, so the figures repeat exactly) and prints two tables: the slack report hypercall,
# and the online slack computation as the number of tasks grows (2 to 32; U = 0.6; 400 events).
# Needs `make image` with rtos-bench in GUESTS and scripts/test-configs.sh (OUT as for them).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
image=$OUT/qemu-virt/Image
log=$OUT/bench-rtos.log
timeout 300 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
    -cpu cortex-a53,cntfrq=1000000000 -smp 1 -m 1G -nographic -nic none \
    -icount shift=0,sleep=off -kernel "$image" -initrd "$OUT/test-configs/rtos-bench.dtb" \
    > "$log" 2>&1 || { echo "bench-rtos: QEMU failed, see $log"; exit 1; }
grep -q "BENCH done" "$log" || { echo "bench-rtos: the rtos-bench guest did not finish, see $log"; exit 1; }
value() { sed -n "s/^\[rtosbench\] BENCH $1 \([0-9]*\).*/\1/p" "$log" | tr -d '\r' | head -1; }

printf '\nKairos RTOS paravirtual costs: QEMU virt, cortex-a53, -icount shift=0,sleep=off (1 ns = 1 instruction)\n\n'
printf '| %-44s | %10s |\n' "measure" "ns"
printf '|%s|%s|\n' "----------------------------------------------" "------------"
printf '| %-44s | %10s |\n' "null hypercall (Version), round trip" "$(value null_hypercall)"
printf '| %-44s | %10s |\n' "slack report hypercall (RtReport), round trip" "$(value rt_report)"
printf '\nOnline slack computation per scheduling event (mean / worst over 400 events; steps = longest scan)\n\n'
printf '| %5s | %10s | %10s | %6s | %10s | %10s | %6s | %12s |\n' tasks "EDF mean" "EDF worst" steps "FP mean" "FP worst" steps "commit mean"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-------" "------------" "------------" "--------" "------------" "------------" "--------" "--------------"
for n in 2 4 8 16 32; do
    printf '| %5s | %10s | %10s | %6s | %10s | %10s | %6s | %12s |\n' "$n" \
        "$(value slack_edf_n${n}_mean)" "$(value slack_edf_n${n}_max)" "$(value slack_edf_n${n}_steps)" \
        "$(value slack_fp_n${n}_mean)" "$(value slack_fp_n${n}_max)" "$(value slack_fp_n${n}_steps)" \
        "$(value commit_n${n})"
done
printf '\n(raw log: %s)\n' "$log"
