"""Answers of tutorials/05_research_appendix.ipynb (see tutorials/make_solved.py); it has no student cells."""

CELLS = {}

ANSWERS = {
    "floor": (
        "Under the paper's loss L = log sigmoid(s) on a negative, dL/ds = sigmoid(-s) = sigmoid(20) ≈ 1: the "
        "largest possible push, on a pair that is already rejected. The step lowers the pair's goodness again, and "
        "again at every visit. Since g >= 0, s can never fall below gamma - Theta, so the push (still about 1 there) "
        "stops only when g reaches 0, i.e. when the layer's ReLU units have switched off for negative pairs. "
        "Positive and negative pairs share the image and differ only in 10 label pixels, so units switched off "
        "for negatives tend to switch off for positives too: the layer can fall silent "
        "(g near 0 for every pair), and a ReLU unit that is off for every input gets no gradient and never comes "
        "back. The logistic form's push on a negative is sigmoid(s), which fades to 0 once s is well below 0: "
        "rejected negatives stop pulling, and the loss has a floor. Section 2 printed the mean push and the g/theta "
        "of both forms, so you can see how much of this happened in your run."),
    "budget": (
        "Between the course and the long budget three things change at once: the width (500 to 1000 units), the "
        "passes over the data (24 to 90 under the Layer schedule) and, silently, the fit of the settings: they were "
        "chosen on validation at the course budget and reused. The experiment that separates the two readings keeps "
        "the long budget's width and passes and tunes each method's learning rate again on validation at that "
        "budget (a grid that extends past its edges). If, with each method at its own best rate, "
        "the difference still moves toward CFF at the longer budget (and a test over seeds calls it), 'CFF gains "
        "more from longer training' stands; if it does not, FF's course-budget rate was the cause. Cost: "
        "(grid points) x (methods) runs at the report's seconds per long run, then the seeds again. It must be "
        "scored on validation because choosing a setting by its test error makes the test error of that choice "
        "optimistic: the test set would then have been used to fit the setting, and could no longer measure it."),
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
                     "that matters (say 0.2 points) and show that the confidence interval of the difference lies "
                     "inside it (an equivalence test). The test set is fixed at 10k images, so the way to get "
                     "there is more seeds, i.e. more independently trained networks of each method.",
}
