"""The tutorials' figures, one module per notebook: each function draws one figure from the notebook's
numbers and returns it."""
