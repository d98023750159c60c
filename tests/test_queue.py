"""results/queue.sh, the chain of runs still owed, must name commands and flags that exist: a dry run of
the whole queue lists what is owed, exits 0, and leaves results/ as it was."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def listing(folder):
    """Every file and its size, but the checkpoints: a chain running beside the tests writes them."""
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*")
                  if not p.name.endswith(".ckpt.npz"))


def test_the_queue_dry_runs_every_command_and_changes_nothing():
    before = listing(ROOT / "results")
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"   # the tests' python first
    env = {**os.environ, "QUEUE_DRY_RUN": "1", "PATH": path}
    done = subprocess.run(["bash", "results/queue.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    commands = [line for line in done.stdout.splitlines() if line.startswith("== ")]
    assert not [line for line in done.stdout.splitlines() if line.startswith("!! ")]
    assert any("hinton question --dataset fashion-mnist" in c for c in commands)
    assert any("--regime literal --wide-grid --supersede" in c for c in commands)
    assert any("experiments objective --dataset mnist" in c for c in commands)
    assert any("reproduce --dataset cifar10 --budget course" in c for c in commands)
    assert any("record --dataset fashion-mnist" in c for c in commands)
    assert commands[-1].endswith("queue done")
    assert listing(ROOT / "results") == before
