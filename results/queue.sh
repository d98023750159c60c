#!/usr/bin/env bash
# The training runs still owed to the open issues, in issue order, as one background chain:
#   cd <repo> && FFNUMPY_DATA=... nohup bash results/queue.sh > queue.log 2>&1 &
# Every command skips the runs that already have a result file, and a run in progress resumes from
# its checkpoint after its last finished epoch, so the chain can be stopped and started at will.
# Pause it for timed work with `kill -STOP/-CONT $(pgrep -f ffnumpy.studies)`: never two jobs at once.
# Stop it with `pkill -f queue.sh; pkill -f ffnumpy.studies` (the copy it runs is named queue.sh.XXXXXX).
# QUEUE_DRY_RUN=1 gives every command --dry-run: it lists what is still owed, trains and moves nothing
# (tests/test_queue.py runs it that way).
set -u
# bash reads a script while it runs it: run a copy, so that editing this file never disturbs a running chain
if [ -z "${QUEUE_COPY:-}" ]; then
    copy=$(mktemp "${TMPDIR:-/tmp}/queue.sh.XXXXXX") && cp "$0" "$copy" && QUEUE_COPY=$copy exec bash "$copy" "$@"
fi
trap 'rm -f "$QUEUE_COPY"' EXIT
# a chain started before this one may still be running its study: wait for it (never two runs at once)
[ -n "${QUEUE_DRY_RUN:-}" ] || while pgrep -f "python -m ffnumpy.studies" > /dev/null; do sleep 30; done
run() {
    echo "== $(date -u +%FT%TZ) $*"
    python -m "$@" ${QUEUE_DRY_RUN:+--dry-run} || { status=$?; echo "!! failed ($status): $*"; failed=1; }
}
failed=0

# Issue 18: the paper's question against Hinton's recipe.
for d in mnist fashion-mnist; do run ffnumpy.studies.hinton question --dataset "$d"; done

# Issue 19: seeds 4-5 of the long-budget rows the README states its answer on ...
for d in mnist fashion-mnist; do
    run ffnumpy.studies.reproduce --dataset "$d" --budget long --rows ff-layer,cff-prev-layer
done
# ... and the unstable regimes tuned on the mean of two seeds (reproduce.UNSTABLE_REGIMES).
for pair in mnist:paper-negative mnist:literal \
            fashion-mnist:length fashion-mnist:paper-negative fashion-mnist:literal; do
    d=${pair%%:*} r=${pair#*:}
    for wide in "" --wide-grid; do
        run ffnumpy.studies.reproduce --dataset "$d" --regime "$r" $wide --tune-only
        run ffnumpy.studies.reproduce --dataset "$d" --regime "$r" $wide --supersede
        run ffnumpy.studies.reproduce --dataset "$d" --regime "$r" $wide
    done
done
# ... and the one regime row whose wide grid still chose its edge (Fashion-MNIST shared theta, CFF gamma at lr 3e-4).
for step in --tune-only --supersede ""; do
    run ffnumpy.studies.reproduce --dataset fashion-mnist --regime shared-theta --wide-grid $step
done

# Issue 23: the readings of the entropy objective; then CFF gamma's units kept in use (does that lower its error?).
run ffnumpy.studies.experiments objective --dataset fashion-mnist
run ffnumpy.studies.experiments objective-peer --dataset fashion-mnist
run ffnumpy.studies.experiments objective --dataset mnist

# Issue 41: CIFAR-10, the paper's third column, fully connected (3072 inputs). The course budget's seven rows,
# queued before issue 40's long-tuned runs (79 minutes against about 6 hours: 32 runs of about 11 minutes) so that its report is written while those run,
# each tuned on validation (the last 10k training images), then 5 seeds for FF and CFF, 3 for backprop ...
# A named data folder is the only place a dataset is looked for: CIFAR-10 comes from the cache (FFNUMPY_DATA empty),
# which `FFNUMPY_DATA= python -m ffnumpy.data --dataset cifar10` fills.
# Tuned on, then the seeds of a row whose choice moved past its edge (CIFAR_EDGE_STEPS) are moved aside and run again.
for step in --tune-only --supersede ""; do
    FFNUMPY_DATA= run ffnumpy.studies.reproduce --dataset cifar10 --budget course $step
done
# Issue 40: the recipe question's FF seeds 1-3 trained again (no copies of the older reference runs) ...
run ffnumpy.studies.hinton question --dataset mnist
# ... and the long budget tuned at its own budget (FF and CFF gamma(<t), Layer schedule), then 5 seeds.
for d in mnist fashion-mnist; do run ffnumpy.studies.reproduce --dataset "$d" --budget long-tuned; done

# Issue 42: the record from Hinton's recipe (studies/record.py): SymBa's screen, four attempts of up to an
# hour each, the chosen configuration's 3 test seeds and its ablation, one dataset after the other.
for d in mnist fashion-mnist; do run ffnumpy.studies.record --dataset "$d"; done

# Issue 41, last (its done-when asks for the course budget only): Hinton's recipe on CIFAR-10,
# FF and CFF gamma(<t) only (hinton.DATASET_ROWS): 16 runs, 10 of them 100 epochs.
# Keep it only if `python benchmarks/bench_cifar.py --recipe` projects a seed run under 60 minutes here.
FFNUMPY_DATA= run ffnumpy.studies.hinton question --dataset cifar10
echo "== $(date -u +%FT%TZ) queue done"
exit $failed
