"""Shards and --jobs end only when their runs are done (runner.execute, runner.run_jobs): results/README.md's
cluster example run with two concurrent shards until every run exists, and --jobs under SIGTERM, a killed
job and a count past the cores. No dataset is needed: the runs train on a few random images."""
import os
import re
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ffnumpy.studies.runner import EX_TEMPFAIL

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}

# reproduce's command line with a tiny table: 7 rows, 2 settings, 2 seeds, 8 units, 1 epoch, random images
TINY_REPRODUCE = """
    import sys
    import numpy as np
    from ffnumpy.data import Dataset
    from ffnumpy.studies import protocol, reproduce, runner
    rng = np.random.default_rng(0)
    x, y = rng.random((600, 784), dtype=np.float32), np.arange(600) % 10
    data = Dataset("mnist", x[:400], y[:400], x[400:500], y[400:500], x[500:], y[500:])
    runner.load_dataset = lambda *a, **k: data
    reproduce.BUDGETS["course"] = dict(hidden=(8,), epochs=1)
    reproduce.GRID = [dict(lr=1e-3, theta_scale=1.0), dict(lr=3e-3, theta_scale=1.0)]
    reproduce.COMMON = dict(reproduce.COMMON, batch_size=100)
    reproduce.ANSWER_SEEDS = reproduce.SEEDS = (1, 2)
    protocol.EDGE_STEPS = 0
    sys.exit(reproduce.main(sys.argv[1:]))
"""


def cluster_example():
    """(array size, the command of one array task) from results/README.md's sbatch line."""
    line = next(x for x in (ROOT / "results" / "README.md").read_text().splitlines() if x.startswith("sbatch"))
    size = int(re.search(r"--array=1-(\d+)", line).group(1))
    command = shlex.split(re.search(r"--wrap '([^']*)'", line).group(1))
    assert command[:3] == ["python", "-m", "ffnumpy.studies.reproduce"]
    assert f"$SLURM_ARRAY_TASK_ID/{size}" in command
    return size, command[3:]


def test_the_cluster_example_resubmitted_until_every_task_exits_0_makes_every_run_once(tmp_path):
    size, argv = cluster_example()
    tasks = 2                                                   # the README's line with 2 array tasks, not 8
    argv = [a.replace(f"$SLURM_ARRAY_TASK_ID/{size}", "{k}/" + str(tasks)) for a in argv]
    todo, said, rounds = list(range(1, tasks + 1)), [], 0
    while todo:                                                 # one submission of the array's unfinished tasks
        rounds += 1
        assert rounds <= 10, f"tasks {todo} never finished"
        shards = {k: subprocess.Popen([sys.executable, "-c", textwrap.dedent(TINY_REPRODUCE),
                                       *[a.format(k=k) for a in argv]], cwd=tmp_path, env=ENV,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in todo}
        ended = {k: (s.communicate(timeout=600), s.returncode) for k, s in shards.items()}
        for k, ((out, err), code) in ended.items():
            said.append(out)
            assert code in (0, EX_TEMPFAIL), (k, code, err)
            if code == EX_TEMPFAIL:
                assert f"exit status {EX_TEMPFAIL}" in out and "wait for their row's tuning" in out, out
        todo = [k for k, (_, code) in ended.items() if code == EX_TEMPFAIL]
    folder = tmp_path / "results" / "reproduction" / "mnist-course"
    rows = [p.name for p in folder.iterdir()]
    assert len(rows) == 7
    for row in rows:                                            # 2 settings tuned, 2 seeds on test
        assert len(list((folder / row / "tune").glob("*.json"))) == 2, row
        assert sorted(p.name for p in (folder / row).glob("seed*.json")) == ["seed1.json", "seed2.json"], row
    trained = [line.split(": ")[1].split(" ")[0] for text in said for line in text.splitlines() if " remain" in line]
    assert len(trained) == len(set(trained)) == 7 * 4               # each run once
    assert not list(folder.rglob("*.claim"))


def test_a_single_process_still_exits_0_when_it_has_made_every_run(tmp_path):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(TINY_REPRODUCE), "--rows", "ff-network"],
                          cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "every run exists" in done.stdout


# --jobs: the jobs are a stand-in module that waits; run_jobs starts `python -m <the parser's module>`
JOB = """
    import os, sys, time
    from pathlib import Path
    folder = Path(sys.argv[1])
    (folder / f"started-{os.getpid()}").write_text("")
    while not (folder / "release").exists():
        time.sleep(0.05)
"""
PARENT = """
    import argparse, sys
    from ffnumpy.studies.runner import run_jobs
    sys.exit(run_jobs(argparse.ArgumentParser(prog="python -m waiting_job"), 2, [sys.argv[1]]))
"""


@pytest.fixture
def jobs(tmp_path):
    """A parent running 2 jobs of the stand-in module, once both have started; yields (parent, job pids)."""
    (tmp_path / "waiting_job.py").write_text(textwrap.dedent(JOB))
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(PARENT), str(tmp_path)],
                              env={**ENV, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
                              stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while len(list(tmp_path.glob("started-*"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    pids = [int(p.name.split("-")[1]) for p in tmp_path.glob("started-*")]
    assert len(pids) == 2
    yield parent, pids
    (tmp_path / "release").write_text("")                        # none is left waiting, whatever happened
    parent.kill()
    parent.wait()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_to_the_parent_reaches_every_job(jobs):
    parent, pids = jobs
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) == 128 + signal.SIGTERM
    deadline = time.time() + 10
    while any(alive(pid) for pid in pids) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids)


def test_a_job_killed_makes_the_command_fail_saying_which(jobs, tmp_path):
    parent, pids = jobs
    os.kill(pids[0], signal.SIGKILL)
    time.sleep(0.2)
    (tmp_path / "release").write_text("")
    assert parent.wait(timeout=30) == 128 + signal.SIGKILL
    err = parent.stderr.read()
    assert "was killed by signal 9 (SIGKILL)" in err and len(err.strip().splitlines()) == 1


def test_more_jobs_than_cores_are_refused_in_one_line(capsys):
    from ffnumpy.studies.hinton import main
    with pytest.raises(SystemExit) as stop:
        main(["reference", "--jobs", "1000", "--dry-run"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "--jobs" in err and "cores" in err and len(err.strip().splitlines()) == 1
