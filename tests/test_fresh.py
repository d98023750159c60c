"""README's "Start here" is what .ci/fresh runs on a fresh machine (a clone, a fresh venv, an empty home
folder, no data), and says what a newcomer needs first: a virtual environment, and why the demo's numbers
may differ from the README's."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def start_here_commands():
    block = README.split("## Start here", 1)[1].split("```", 2)[1]
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_start_here_opens_a_virtual_environment_first():
    commands = start_here_commands()
    assert commands[0] == "python -m venv .venv && . .venv/bin/activate"
    assert "PEP 668" in README.split("## The demo")[0]


def test_ci_fresh_runs_the_readmes_commands():
    script = (ROOT / ".ci" / "fresh").read_text()
    commands = start_here_commands()
    assert "pip install -r requirements.txt && python -m pytest" in commands
    for command in commands:
        if "ffnumpy.demo" in command:            # the demo: its short form (--quick), as CI runs it
            assert "python -m ffnumpy.demo --quick" in script
        else:
            assert command.replace("python -m venv", "python3 -m venv") in script, command
    assert 'HOME="$work/home"' in script and "unset FFNUMPY_DATA" in script


def test_the_demo_block_says_why_your_numbers_may_differ():
    after = README.split("## The demo", 1)[1].split("```", 2)[2]
    assert after.lstrip().startswith("Your errors may differ: they depend on the CPU, its BLAS library and the "
                                     "thread count")
