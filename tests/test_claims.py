"""Two processes never write one output: claims on outputs and on the studies' runs,
--shard and --jobs (files.claim, runner.sweep)."""
import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ffnumpy.studies import protocol, reproduce, runner
from ffnumpy.config import Config
from ffnumpy.files import CLAIM, Claimed, claim

ROOT = Path(__file__).resolve().parents[1]


def python(code, **kwargs):
    """Start `code` in a fresh Python (the data and the package as the tests see them)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env={**os.environ},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_a_claim_refuses_a_second_holder_until_released(tmp_path):
    out = tmp_path / "run.json"
    first = claim(out).__enter__()
    assert "pid" in (tmp_path / ("run.json" + CLAIM)).read_text()
    with pytest.raises(Claimed, match="another process"):
        claim(out).__enter__()
    first.release()
    assert not (tmp_path / ("run.json" + CLAIM)).exists()
    with claim(out):                          # free again
        pass


def test_the_claim_of_a_killed_process_is_taken_over(tmp_path):
    out = tmp_path / "run.json"
    killed = python(f"""
        import os, signal
        from ffnumpy.files import claim
        claim({str(out)!r}).__enter__()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    killed.wait(timeout=60)
    assert (tmp_path / ("run.json" + CLAIM)).exists()          # left behind
    with claim(out):                                             # and taken over
        pass


def test_two_trainings_naming_one_json_one_trains_the_other_is_refused(mnist, tmp_path):
    out = tmp_path / "same.json"
    command = [sys.executable, "-m", "ffnumpy.train", "--hidden", "30", "--epochs", "1", "--quiet", "--json", str(out)]
    first = subprocess.Popen(command + ["--seed", "1"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not Path(str(out) + CLAIM).exists() and first.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    second = subprocess.run(command + ["--seed", "2"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.wait(timeout=300) == 0
    assert second.returncode == 2 and "another process" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert json.loads(out.read_text())["config"]["seed"] == 1                 # nothing lost, nothing mixed
    assert not Path(str(out) + CLAIM).exists()


SWEEP = """
    import sys
    from ffnumpy.studies import protocol, runner
    from ffnumpy.config import Config
    from ffnumpy.data import Dataset, load_mnist
    m = load_mnist(download=False)
    data = Dataset("mnist", m.x_train[:3000], m.y_train[:3000], m.x_test[:500], m.y_test[:500],
                   m.x_train[-500:], m.y_train[-500:])
    study = protocol.Study("tiny", "mnist", ("ff-network",), [],
                           lambda row, setting, seed: Config(hidden=(20,), epochs=1, seed=seed), fixed={},
                           seeds=(1, 2, 3, 4, 5, 6))
    runner.sweep(sys.argv[1], study, data=data, say=lambda line, **k: print(line, flush=True))
"""


def test_two_processes_sweeping_one_study_train_every_run_once(mnist, tmp_path):
    workers = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(SWEEP), str(tmp_path)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    said = [w.communicate(timeout=600)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers)
    trained = [[line.split(": ")[1].split(" ")[0] for line in text.splitlines() if "remain" in line] for text in said]
    everything = trained[0] + trained[1]
    assert sorted(everything) == sorted(f"ff-network/seed{s}.json" for s in range(1, 7))   # each once
    assert len(list(tmp_path.glob("tiny/ff-network/seed*.json"))) == 6
    assert not list(tmp_path.rglob("*" + CLAIM))


def test_shards_split_the_missing_runs_between_them(tmp_path):
    study = protocol.Study("tiny", "mnist", ("ff-network", "ff-layer"), [],
                           lambda row, setting, seed: Config(seed=seed), fixed={}, seeds=tuple(range(1, 9)))
    every = {p for p, _, _ in protocol.pending(tmp_path, study)}
    parts = [{p for p in every if runner.in_shard(tmp_path, p, (k, 3))} for k in (1, 2, 3)]
    assert set().union(*parts) == every and sum(map(len, parts)) == len(every) and all(parts)


def test_jobs_start_that_many_copies_with_the_threads_divided(monkeypatch):
    started = []

    class Child:
        def __init__(self, command, env):
            started.append((command, env))

        def wait(self):
            return 0
    monkeypatch.setattr(runner.subprocess, "Popen", Child)
    p = argparse.ArgumentParser(prog="python -m ffnumpy.studies.hinton")
    assert runner.run_jobs(p, 2, ["question", "--jobs", "2", "--dataset", "mnist"]) == 0
    assert len(started) == 2
    command, env = started[0]
    assert command[1:] == ["-m", "ffnumpy.studies.hinton", "question", "--dataset", "mnist"]
    assert env["OPENBLAS_NUM_THREADS"] == str(max(1, (os.cpu_count() or 1) // 2))


@pytest.mark.parametrize("argv,message", [(["reference", "--shard", "0/2"], "K must lie"),
                                          (["reference", "--shard", "x"], "expected K/N"),
                                          (["reference", "--jobs", "0"], "--jobs")])
def test_bad_shard_and_jobs_are_refused_in_one_line(argv, message, capsys):
    from ffnumpy.studies.hinton import main
    with pytest.raises(SystemExit) as stop:
        main(argv + ["--dry-run"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("second", ["{d}/a.json", "{d}/./a.json", "{d}/sub/../a.json"])
def test_json_and_checkpoint_naming_one_file_are_refused_before_any_work(tmp_path, second, capsys, monkeypatch):
    from ffnumpy import data
    from ffnumpy.train import main
    monkeypatch.setattr(data, "load_dataset", lambda *a, **k: pytest.fail("loaded data"))
    (tmp_path / "sub").mkdir()
    with pytest.raises(SystemExit) as stop:
        main(["--hidden", "10", "--json", f"{tmp_path}/a.json", "--checkpoint", second.format(d=tmp_path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "name the same file" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("content,message", [(None, "no such file"), ("not json", "not a readable result file"),
                                             ('{"config": {"method": "ff"}}', "no field 'kind'"),
                                             ('{"kind": "seed", "config": {"method": "ff"}}',
                                              "its config has no field 'hidden'"),
                                             ('[1, 2]', "not a result file")])
def test_rerun_of_a_bad_result_file_is_one_line(tmp_path, content, message, capsys):
    path = tmp_path / "run.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SystemExit) as stop:
        reproduce.main(["--rerun", str(path), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_analyze_refuses_a_folder_another_process_is_writing(tmp_path, capsys):
    from ffnumpy.studies.analyze import main
    with claim(tmp_path / "analysis.json"):
        with pytest.raises(SystemExit) as stop:
            main(["no-such-checkpoint.npz", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "another process" in err and len(err.strip().splitlines()) == 1
