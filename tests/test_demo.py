"""The demo's words come from its numbers."""
from ffnumpy.demo import describe_regime


def test_describe_regime_reads_the_numbers():
    ff = {"prefix_test_error": [10.0, 11.0, 9.0], "test_error": 9.0}
    said = describe_regime({"FF": ff, "CFF": {"test_error": 8.0}})
    assert "layer(s) [2]" in said[0] and "is lower than" in said[1]
    ff = {"prefix_test_error": [10.0, 9.0, 8.0], "test_error": 8.0}
    said = describe_regime({"FF": ff, "CFF": {"test_error": 8.5}})
    assert "every later FF layer lowers" in said[0] and "is not lower" in said[1]
