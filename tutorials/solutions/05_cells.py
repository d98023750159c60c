"""Answers of tutorials/05_research_appendix.ipynb (see tutorials/make_solved.py); it has no student cells."""

CELLS = {}

ANSWERS = {
    "strong_ff": (
        "(a) A call needs both parts of the rule: the paired t-test over seeds, Holm-corrected, below 0.05, and the "
        "bootstrap interval on one side of 0. Either can withhold it. Holm multiplies the k-th smallest of the "
        "report's m p-values by m - k + 1 (never letting a larger p's corrected value fall below a smaller one's). "
        "Here m = 12: two datasets, two CFF rows and three readings (each row by its choice, both by all layers, "
        "both by layers 2 and up). A p of 0.02 can end well above 0.05. And the t-test itself is cautious with few seeds: with 2 to 5 seeds it has 1 to 4 degrees of "
        "freedom, and the t value it needs is large (12.7 for 1, 4.30 for 2). So a difference of the same sign in "
        "every seed can still give p above 0.05. The percentile bootstrap is much narrower with so few seeds: 2 or 3 "
        "seeds have only 3 or 10 distinct resamples, its spread divides by n rather than n - 1, and it uses no "
        "t-quantile. Read the table's raw and corrected p to see which part withheld each call. When the "
        "parts disagree, no difference is shown: more seeds could decide, and 'no difference shown' is not 'the "
        "same'. "
        "(b) No. Picking, after seeing the test errors, whichever predictor is lower uses the test set to choose, "
        "and the chosen error is then optimistic: the same selection bias as tuning a learning rate on test. "
        "Validation chose the readout for FF on Fashion-MNIST (10.39% against 10.43% by all layers, a near tie), "
        "before any test seed was read. Switching to all layers after the test is read is a forking path. "
        "The place for the other reading is the one the report specified before the runs: the comparison of both "
        "rows by all layers, which is in the same Holm family."),
    "floor": (
        "Under the paper's loss L = log sigmoid(s) on a negative, dL/ds = sigmoid(-s) = sigmoid(20) ≈ 1: the "
        "largest possible push, on a pair that is already rejected. The step lowers the pair's goodness again, and "
        "again at every visit. Since g >= 0, s can never fall below gamma - Theta, so the push (still about 1 there) "
        "stops only when g reaches 0, i.e. when the layer's ReLU units have switched off for negative pairs. "
        "Positive and negative pairs share the image and differ only in 10 label pixels, so units switched off "
        "for negatives tend to switch off for positives too. The layer can fall silent "
        "(g near 0 for every pair), and a ReLU unit that is off for every input gets no gradient and never comes "
        "back. The logistic form's push on a negative is sigmoid(s), which fades to 0 once s is well below 0: "
        "rejected negatives stop pulling, and the loss has a floor. Section 2 printed the mean push and the g/theta "
        "of both forms, so you can see how much of this happened in your run."),
    "budget": (
        "Between the course and the long budget three things change at once: the width (500 to 1000 units), the "
        "passes over the data (24 to 90 under the Layer schedule) and, silently, the fit of the settings. The settings were "
        "chosen on validation at the course budget and reused. The experiment that separates the two readings keeps "
        "the long budget's width and passes and tunes each method's learning rate again on validation at that "
        "budget (a grid that extends past its edges). If, with each method at its own best rate, "
        "the difference still moves toward CFF at the longer budget (and a test over seeds calls it), 'CFF gains "
        "more from longer training' stands. If it does not, FF's course-budget rate was the cause. Cost: "
        "(grid points) x (methods) runs at the report's seconds per long run, then the seeds again. It must be "
        "scored on validation because choosing a setting by its test error makes the test error of that choice "
        "optimistic. The test set would then have been used to fit the setting, and could no longer measure it. "
        "This experiment has been run with ffnumpy (`python -m ffnumpy.studies.reproduce --dataset mnist --budget "
        "long-tuned`); the section 'long budget, tuned at it' of results/reproduction/README.md gives its verdict."),
    "entropy_seeds": (
        "In the files committed with this version, Backprop pairwise on MNIST is one: its positive pairs have "
        "the higher raw Ent in 3 of 3 seeds but the lower concentration KL in all 3. Ent = E[phi] KL(q || mu): "
        "the positives hold more goodness in total (a larger mass E[phi], which is what the pairwise loss asks "
        "for), while their goodness is spread at least as evenly over the pairs as the negatives'. The raw Ent "
        "mixes the two, so 'the entropy went up' in Ent may only say 'the goodness got larger'. Report the "
        "concentration KL (and its change from the initial network) for a claim about how the goodness is "
        "distributed, and the mass beside it; the raw Ent alone cannot separate the two."),
    "no_difference": "No. 'No difference shown' means the tests could not tell them apart with this many seeds "
                     "and test images; a real difference smaller than the seed spread (a few tenths of a point "
                     "with 3 seeds) could still be there. To claim they are equivalent you would state a margin "
                     "that matters (say 0.2 points) and show that the 90% confidence interval of the difference "
                     "lies inside ±margin (two one-sided tests at the 5% level: an equivalence test). The test set is fixed at 10k images, so the way to get "
                     "there is more seeds, i.e. more independently trained networks of each method.",
}
