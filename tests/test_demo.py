"""The demo's words come from its numbers."""
from ffnumpy.demo import describe_regime


def test_describe_regime_reads_the_numbers():
    ff = {"prefix_test_error": [10.0, 11.0, 9.0], "test_error": 9.0}
    said = describe_regime({"FF": ff, "CFF": {"test_error": 8.0}})
    assert "layer(s) [2]" in said[0] and "is lower than" in said[1]
    ff = {"prefix_test_error": [10.0, 9.0, 8.0], "test_error": 8.0}
    said = describe_regime({"FF": ff, "CFF": {"test_error": 8.5}})
    assert "every later FF layer lowers" in said[0] and "is not lower" in said[1]


def test_the_demo_closes_with_the_answer_in_six_lines(capsys):
    import re

    from ffnumpy.demo import print_reproduction
    print_reproduction()
    lines = capsys.readouterr().out.strip().splitlines()
    assert 2 <= len(lines) <= 6
    total = int(re.search(r"MNIST, (\d+) comparisons", lines[0]).group(1))
    counts = [int(re.search(r": (\d+)", line).group(1)) for line in lines[1:5]]
    assert sum(counts) == total and "results/reproduction/README.md" in lines[-1]
