"""Running a study: train and measure one run, copy a run already made, claim, shard, resume.

    sweep(out, study)      every missing run of the study (protocol.pending), one JSON file each
    execute(p, out, ...)   the shared end of every study's command line: --dry-run, --jobs, --shard

A run whose file exists is skipped, so a sweep resumes where it stopped, and
a run cut off mid-way resumes from its per-epoch checkpoint. Each run is
claimed before it starts, so processes sharing a results folder never train
one run twice. Run one sweep at a time on a small machine: two trainings
share the cores and both timings become meaningless.

Exit status of a study's command (execute): 0 when every run it owns (its
shard's, or all) exists; EX_TEMPFAIL (75) when some of them wait on another
shard or process (a row's tuning it runs, or the run itself): run the same
command again once those end, e.g. resubmit a Slurm array until every task
exits 0. With --jobs, a job killed by signal S makes the command exit 128 + S.
A SIGTERM to the command is passed on to its jobs.
"""
import hashlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..data import DataError, Dataset, load_dataset
from ..entropy import goodness_entropies
from ..evaluate import evaluate, is_dead
from ..files import Claimed, atomic_write_text, check_writable, claim
from ..train import build_model, entropy_probe, train
from .protocol import check_result_files, pending, read, saved_config

EX_TEMPFAIL = 75   # sysexits.h: a temporary failure, try again later (runs of this shard wait on another's)


def run(cfg, kind, data, checkpoint_path=None, curve=False):
    """Train one run and return its JSON record.

    tune: the network is measured on the validation split only; seed: on the
    test set (and the validation split). The entropy of the goodness is also
    measured at initialisation (the same network train() starts from).
    checkpoint_path: saved after every epoch, and resumed from if it exists (a
    run cut off by the end of a session goes on where it stopped, bit for bit).
    """
    if kind == "tune":   # the validation split stands in for the test set: test is never touched
        split = Dataset(data.name, data.x_train, data.y_train, data.x_val, data.y_val,
                        *((data.x_val, data.y_val) if curve else ()))      # curve: its error every eval_every epochs
    else:                # no per-epoch validation pass: it costs a third of an epoch
        split = Dataset(data.name, data.x_train, data.y_train, data.x_test, data.y_test)
    resume = checkpoint_path if checkpoint_path is not None and Path(checkpoint_path).exists() else None
    try:
        result, model = train(cfg, data=split, progress=False, resume=resume, checkpoint_path=checkpoint_path)
    except FloatingPointError as err:
        return diverged(cfg, kind, err)
    record = {"kind": kind, **result}
    if kind == "tune":
        for key in ("", "per_layer_", "prefix_", "readout_", "combined_"):
            record[f"{key}validation_error"] = record.pop(f"{key}test_error")
        for key in ("", "combined_"):
            record[f"{key}validation_error_by_predictor"] = record.pop(f"{key}test_error_by_predictor")
        record["warnings"] = [w.replace("test set:", "validation set:", 1) for w in record["warnings"]]
        for key in ("test_predictions", "readout_test_predictions", "test_predictions_by_predictor"):
            record.pop(key)
    else:
        val = evaluate(model.net, data.x_val, data.y_val, model.head, cfg.predict, readout=model.readout)
        record["validation_error"] = val["error"]
        record["readout_validation_error"] = val.get("readout_error")
        record["combined_validation_error"] = val.get("combined")
        record["combined_validation_error_by_predictor"] = val.get("combined_by_predictor")
    if cfg.track_entropy:
        initial = build_model(cfg, cfg.input_size, np.random.default_rng(cfg.seed)).net
        record["initial_entropy"] = goodness_entropies(initial, *entropy_probe(cfg, split))
    record["passes_over_data"] = cfg.total_epochs
    record["machine"] = machine()           # what a re-run must share to promise the same bits (RERUN.md)
    return record


def diverged(cfg, kind, err):
    """The record of a run whose loss stopped being finite: a failed run (evaluate.is_dead reads its
    warning), with the error of guessing nothing right (100%), so that tuning ranks it below every
    run that trained and tuning past an edge stops there (protocol.tuned_settings)."""
    split = "validation" if kind == "tune" else "test"
    return {"kind": kind, f"{split}_error": 100.0, "validation_error": 100.0, "diverged": str(err),
            "warnings": [f"diverged: {err}"], "config": asdict(cfg), "history": [],
            "passes_over_data": cfg.total_epochs, "machine": machine()}


def machine():
    """The facts bit-for-bit equality depends on: CPU model, cores, numpy, its BLAS, the BLAS threads."""
    info = Path("/proc/cpuinfo")
    fields = {}
    for line in (info.read_text().split("\n\n")[0].splitlines() if info.exists() else []):
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    cpu = f"{fields['model name']} (family {fields.get('cpu family')}, model {fields.get('model')}" + \
        (", AVX-512)" if "avx512f" in fields.get("flags", "").split() else ")") if "model name" in fields else ""
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "numpy": np.__version__,
            "blas": f"{blas.get('name')} {blas.get('version')}",
            "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}


def copy_of(out, study, path, cfg):
    """The record of this very run (same Config) made by study.same_runs, or None: the same
    seed and Config give the same numbers on the same machine, so it is copied, not trained again."""
    if study.same_runs is None:
        return None
    other = Path(study.same_runs) / path.relative_to(Path(out) / study.name)
    if not other.exists() or saved_config(other) != cfg:
        return None
    return {**read(other), "copied_from": str(other)}


def in_shard(out, path, shard):
    """Is this run in shard (K, N)? A stable hash of its path: the same split in every process."""
    if shard is None:
        return True
    k, n = shard
    return int(hashlib.sha1(str(Path(path).relative_to(out)).encode()).hexdigest(), 16) % n == k - 1


def sweep(out, study, seeds=None, data=None, say=print, shard=None):
    """Run (or copy, see copy_of) every missing run of `study` that can run now and that no other
    process is running: each run is claimed (files.claim) before it starts, so any number of
    processes can sweep one study together. shard (K, N): only the runs of that shard (in_shard).
    returns the number of result files this call wrote."""
    done_seconds, count, busy = [], 0, set()
    while True:
        todo = [t for t in pending(out, study, seeds) if in_shard(out, t[0], shard)]
        ready = [t for t in todo if t[1] is not None and t[0] not in busy]
        if not ready:
            break
        path, cfg, kind = ready[0]
        try:
            held = claim(path).__enter__()
        except Claimed:
            busy.add(path)          # another process runs it: take the next one
            continue
        try:
            if path.exists():       # finished by another process since pending() looked
                continue
            count += 1
            copy = copy_of(out, study, path, cfg)
            if copy is not None:
                say(f"[{study.name}] {path.relative_to(Path(out) / study.name)}: the same run as "
                    f"{copy['copied_from']}, copied", flush=True)
                atomic_write_text(path, json.dumps(copy, indent=1))
                continue
            if data is None:
                data = load_dataset(study.dataset, validation=True)
            eta = estimate(done_seconds, todo)
            remain = "run remains" if len(todo) == 1 else "runs remain"
            say(f"[{study.name}] {len(todo)} {remain}{eta}: {path.relative_to(Path(out) / study.name)} "
                f"({cfg.method} {cfg.schedule} lr {cfg.lr:g} theta-scale {cfg.theta_scale:g} seed {cfg.seed})",
                flush=True)
            t0 = time.perf_counter()
            ckpt = path.with_name(path.stem + ".ckpt.npz")   # the run so far (gitignored)
            record = study.runner(cfg, kind, data) if study.runner else run(cfg, kind, data, ckpt, study.curve)
            record["wall_seconds"] = time.perf_counter() - t0   # this process's part of the run
            atomic_write_text(path, json.dumps(record, indent=1))
            ckpt.unlink(missing_ok=True)
            seconds = pass_seconds(record)         # seconds per pass over the data (a diverged run has none)
            if seconds is not None:
                done_seconds.append(seconds)
            failed = [w for w in record.get("warnings", []) if is_dead([w])]
            if failed:
                say(f"[{study.name}] {path.relative_to(Path(out) / study.name)}: a failed run: {failed[0]}",
                    flush=True)
        finally:
            held.release()
    return count


def pass_seconds(record):
    """The seconds of a run's median epoch (its training loop): unlike the mean, a few epochs paused
    or slowed by other work barely move it. None for a run without a history (a diverged one)."""
    epochs = [h["train_seconds"] for h in record.get("history") or () if "train_seconds" in h]
    return statistics.median(epochs) if epochs else None


def seconds_per_pass(folder, cpu=None):
    """pass_seconds of every run already done under `folder` (tuning and seeds, superseded ones too):
    the samples estimate() takes its median of. The machine's CPU changes between sessions, so only
    the runs that finished on `cpu` (default: this machine's, machine()) count when there are any."""
    cpu = cpu or machine()["cpu"]
    found, here = [], []
    for path in sorted(Path(folder).rglob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        seconds = pass_seconds(record) if isinstance(record, dict) else None
        if seconds is not None:
            found.append(seconds)
            if (record.get("machine") or {}).get("cpu") == cpu:
                here.append(seconds)
    return here or found


def estimate(per_pass, todo):
    """', about 270 min left' for the runs of `todo` whose configuration is known, from the median
    seconds per pass over the data of the runs done so far (per_pass), and how many more wait on the
    tuning; '' before the first run is done."""
    if not per_pass:
        return ""
    known = [cfg for _, cfg, _ in todo if cfg is not None]
    minutes = statistics.median(per_pass) * sum(cfg.total_epochs for cfg in known) / 60
    waiting = len(todo) - len(known)
    if not waiting:
        return f", about {minutes:.0f} min left"
    verb = "waits" if waiting == 1 else "wait"
    return f", about {minutes:.0f} min left for {len(known)} of them ({waiting} {verb} on the tuning)"


def sister(name):
    """The same study on the other dataset: 'mnist-long' <-> 'fashion-mnist-long'. Both datasets have
    28 x 28 images and 50k training images, so a pass over the data takes as long."""
    if "fashion-mnist" in name:
        return name.replace("fashion-mnist", "mnist", 1)
    return name.replace("mnist", "fashion-mnist", 1) if "mnist" in name else None


def time_left(out, name, todo):
    """estimate() from the finished runs of folder out/name, or, before it has any, from those of
    its sister study on the other dataset (and says so); '' when neither has one."""
    found = seconds_per_pass(out / name)
    if found or sister(name) is None:
        return estimate(found, todo)
    guess = estimate(seconds_per_pass(out / sister(name)), todo)
    return f"{guess}, at {sister(name)}'s pace" if guess else ""


def rerun(path, data=None):
    """Train the run recorded in result file `path` again, from its own configuration.

    returns (recorded test error, new test error, number of test images predicted differently)
    Same machine, BLAS and thread count: the same numbers (README, "What ffnumpy guarantees").
    """
    record = read(path, ("kind", "config"))
    cfg = saved_config(path)
    key = "test_error" if record["kind"] == "seed" else "validation_error"
    read(path, (key,))
    if data is None:
        data = load_dataset(cfg.dataset, validation=True)
    again = run(cfg, record["kind"], data)
    differ = sum(a != b for a, b in zip(record.get("test_predictions", ""), again.get("test_predictions", "")))
    return record[key], again[key], differ


def add_runner_flags(p):
    """--dry-run, --jobs and --shard: how the runs of a study are spread over processes and machines."""
    p.add_argument("--dry-run", action="store_true", help="list the runs still missing and stop")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="run N runs at once on this machine, each with cores/N BLAS threads; at most the "
                        f"machine's cores ({os.cpu_count() or 1} here; default 1)")
    p.add_argument("--shard", default=None, metavar="K/N",
                   help="take only shard K of N of the missing runs (N machines, or a Slurm array: "
                        "--shard $SLURM_ARRAY_TASK_ID/N with --array=1-N). Exit 0 once every run of the shard "
                        f"exists; exit {EX_TEMPFAIL} while some wait on another shard's tuning: run it again then")


def parse_shard(p, text):
    """'2/4' -> (2, 4); a bad one is a one-line error."""
    try:
        k, n = (int(v) for v in text.split("/"))
    except (ValueError, AttributeError):
        p.error(f"--shard: expected K/N like 1/4, got {text!r}")
    if not 1 <= k <= n:
        p.error(f"--shard: K must lie in 1..N, got {text!r}")
    return k, n


def execute(p, out, studies, args, argv=None):
    """List (--dry-run) or run the missing runs of `studies`, in this process or in --jobs of them;
    the shared end of the studies' command lines. argv: the command's arguments (for --jobs)."""
    shard = parse_shard(p, args.shard) if args.shard else None
    if args.jobs < 1:
        p.error(f"--jobs: must be at least 1, got {args.jobs}")
    if args.jobs > (os.cpu_count() or 1):
        p.error(f"--jobs: at most the {os.cpu_count() or 1} cores of this machine (each job trains on a core of "
                f"its own), got {args.jobs}")
    try:
        check_writable(out, "--out", folder=True, create=not args.dry_run)
        for name in dict.fromkeys(study.name for study in studies):     # a damaged file: now, not after hours
            check_result_files(Path(out) / name)
        if args.dry_run:
            todo = [(study, t) for study in studies for t in pending(out, study) if in_shard(out, t[0], shard)]
            copies = 0
            for study, (path, cfg, kind) in todo:
                copy = cfg is not None and copy_of(out, study, path, cfg) is not None
                copies += copy
                print(f"{kind:5s} {path}" + ("" if cfg else "  (waits for its row's tuning)") +
                      ("  (the same run exists: copied)" if copy else ""))
            print(f"{len(todo)} runs missing" + (f", {copies} of them copied, not trained" if copies else ""))
            for name in dict.fromkeys(study.name for study in studies):   # a folder may hold two Studies
                mine = [t for s, t in todo if s.name == name and not (t[1] and copy_of(out, s, t[0], t[1]))]
                if mine:   # the time left, from the folder's finished runs: this machine's speed
                    print(f"[{name}] {len(mine)} to train{time_left(Path(out), name, mine)}")
            return 0
        seeds = () if getattr(args, "tune_only", False) else None
        if args.jobs > 1:
            code = run_jobs(p, args.jobs, sys.argv[1:] if argv is None else argv)
            if code not in (0, EX_TEMPFAIL):
                return code
            return still_missing(out, studies, seeds, shard, "its jobs")
        n = sum(sweep(out, study, seeds, shard=shard) for study in studies)
        return still_missing(out, studies, seeds, shard, f"{n} runs in this call")
    except DataError as err:
        p.exit(2, f"{p.prog}: error: {err}\n")
    except ValueError as err:
        p.exit(2, f"{p.prog}: error: {str(err).splitlines()[0]}\n")
    except KeyboardInterrupt:
        p.exit(130, f"{p.prog}: interrupted; every finished run is saved, run the same command to resume\n")


def still_missing(out, studies, seeds, shard, done):
    """The closing line, and the exit status: 0 when every run this command owns (its shard's) exists,
    EX_TEMPFAIL when some wait on another shard or process (their row's tuning, or the run itself)."""
    todo = [t for study in studies for t in pending(out, study, seeds) if in_shard(out, t[0], shard)]
    if not todo:
        print(f"done: {done}; every run{' of this shard' if shard else ''} exists")
        return 0
    waiting = sum(cfg is None for _, cfg, _ in todo)
    why = [f"{waiting} wait for their row's tuning, run by another shard or process"] if waiting else []
    why += [f"{len(todo) - waiting} are being run by another process"] if len(todo) > waiting else []
    print(f"done: {done}; {len(todo)} of {'this shard' if shard else 'these'} runs still missing "
          f"({'; '.join(why)}): run the same command again once those end (exit status {EX_TEMPFAIL})")
    return EX_TEMPFAIL


def run_jobs(p, jobs, argv):
    """The same command in `jobs` processes at once, each with cores/jobs BLAS threads; they share the
    work through the runs' claims. A SIGTERM to this process is passed on to every job (none is left
    training alone). returns 0 or EX_TEMPFAIL if every job ended so, else the first other status, a job
    killed by signal S counting as 128 + S (as a shell counts it), with one line saying which."""
    module = p.prog.split()[-1]
    rest, skip = [], False
    for a in argv:                       # the children run one job each
        if skip:
            skip = False
        elif a == "--jobs":
            skip = True
        elif not a.startswith("--jobs="):
            rest.append(a)
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    children, stopped = [], []

    def forward(signum, frame):          # pass the signal on; the loop below then waits for the jobs to end
        stopped.append(signum)
        for child in children:
            child.send_signal(signum)    # (a job already ended is skipped)
    previous = signal.signal(signal.SIGTERM, forward)
    try:
        for _ in range(jobs):
            if stopped:                  # told to stop while starting them: start no more
                break
            children.append(subprocess.Popen([sys.executable, "-m", module, *rest], env=env))
        codes = [child.wait() for child in children]
    finally:
        signal.signal(signal.SIGTERM, previous)
    if stopped:
        sys.exit(128 + stopped[0])
    for k, code in enumerate(codes):
        if code < 0:
            print(f"{p.prog}: error: job {k + 1} of {jobs} was killed by signal {-code} "
                  f"({signal.Signals(-code).name}); its run resumes from its checkpoint when the command runs "
                  "again", file=sys.stderr)
    bad = [128 - code if code < 0 else code for code in codes if code not in (0, EX_TEMPFAIL)]
    return bad[0] if bad else max(codes)
