"""PyTorch training peer of `npm run bench -- --peers` (optional: run with Debian's python3-torch when present).

The modern LeNet-5 (conv 6@5x5 same + ReLU, avg pool, conv 16@5x5 + ReLU, avg pool, conv 120@5x5 + ReLU,
dense 84 + ReLU, dropout 0.8, dense 10, softmax cross-entropy, Adam lr 1e-3) trained on random 28x28
images in [0, 1] for the given threads, batch size and sample count; the first batch is untimed (warm-up);
best of the rounds. Prints one JSON line: {"torch": version, "threads": t, "batchSize": b, "samplesPerSec": s}.

usage: python3 bench/torch-train.py THREADS BATCH SAMPLES [ROUNDS]
"""
import json
import sys
import time

import torch
from torch import nn

threads, batch, samples = (int(a) for a in sys.argv[1:4])
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 2
torch.set_num_threads(threads)
torch.manual_seed(1)

g = torch.Generator().manual_seed(11)
x = torch.rand(samples, 1, 28, 28, generator=g)
y = torch.randint(0, 10, (samples,), generator=g)

best = 0.0
for r in range(rounds):
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(),
        nn.Linear(120, 84), nn.ReLU(), nn.Dropout(0.8), nn.Linear(84, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    net.train()
    t0 = 0.0
    steps = samples // batch
    for s in range(steps):
        if s == 1:
            t0 = time.perf_counter()
        xb, yb = x[s * batch:(s + 1) * batch], y[s * batch:(s + 1) * batch]
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()
        if not torch.isfinite(loss):
            raise SystemExit(f"loss {loss.item()} at step {s}")
    best = max(best, (steps - 1) * batch / (time.perf_counter() - t0))

print(json.dumps({"torch": torch.__version__, "threads": threads, "batchSize": batch, "samplesPerSec": round(best)}))
