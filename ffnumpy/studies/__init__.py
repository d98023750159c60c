"""The evidence wing: the studies (one JSON per run, resumable), their reports and the verdict rule.

It imports the lesson (ffnumpy/), never the other way round."""
