#!/usr/bin/python3
"""ONNX test fixtures written by PyTorch's own exporter (torch.onnx.export), for test/onnx-import.test.ts.

Run by hand, from the repository root, with Debian's PyTorch (python3-torch 1.13; the exporter does not need
the `onnx` python module):

    apt-get install -y python3-torch
    /usr/bin/python3 scripts/onnx-fixtures.py [--data DIR]

It writes test/fixtures/onnx/:

  * torch-*.onnx: the modern LeNet-5 (conv 6@5x5 pad 2, ReLU, avg pool 2, conv 16@5x5, ReLU, avg pool 2,
    conv 120@5x5, ReLU, flatten, linear 84, ReLU, linear 10) written the two usual ways, a `forward` with
    F.avg_pool2d / x.view(x.size(0), -1) and an nn.Sequential with nn.AvgPool2d / nn.Flatten (/ nn.Dropout),
    over opsets 11, 13 and 17, ending in logits, softmax or log-softmax, with a dynamic or a fixed batch
    axis; weights from PyTorch's default init under a fixed seed. Input: float32 [N, 1, 28, 28], byte / 255.
  * torch-trained.onnx and torch-trained.json: the `forward` model trained for one epoch on the first
    50,000 images of the MNIST training set (SGD, batch 64), and its accuracy on the last 10,000 (the
    held-out set). The MNIST test set is not used. DIR (default: $LENET5_DATA_DIR/mnist-train, else
    ../shared/data/mnist-train) holds train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz.
  * manifest.json: each fixture with the features it covers (the test iterates over it).

The files are byte-for-byte deterministic for a given PyTorch build (seeded init, seeded shuffle, one thread).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'onnx')
TRAIN_COUNT = 50_000
HELD_OUT = 10_000


class ForwardLeNet5(nn.Module):
    """The modern LeNet-5 in the functional style: pooling and flattening in forward()."""

    def __init__(self, head='logits'):
        super().__init__()
        self.head = head
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x))
        x = x.view(x.size(0), -1)
        x = self.fc2(F.relu(self.fc1(x)))
        if self.head == 'softmax':
            return F.softmax(x, dim=1)
        if self.head == 'logsoftmax':
            return F.log_softmax(x, dim=1)
        return x


def sequential_lenet5(head='logits', zero_pad_layer=False):
    """The modern LeNet-5 as an nn.Sequential; zero_pad_layer writes conv1's padding as nn.ZeroPad2d(2)."""
    first = [nn.ZeroPad2d(2), nn.Conv2d(1, 6, 5)] if zero_pad_layer else [nn.Conv2d(1, 6, 5, padding=2)]
    layers = first + [
        nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(120, 84), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(84, 10),
    ]
    if head == 'softmax':
        layers.append(nn.Softmax(dim=1))
    elif head == 'logsoftmax':
        layers.append(nn.LogSoftmax(dim=1))
    return nn.Sequential(*layers)


# (file, style, opset, head, dynamic batch, seed): every style, opset, head and both batch kinds appear.
VARIANTS = [
    ('torch-forward-opset11.onnx', 'forward', 11, 'logits', True, 1),
    ('torch-forward-opset13-softmax.onnx', 'forward', 13, 'softmax', True, 2),
    ('torch-forward-opset17-logsoftmax.onnx', 'forward', 17, 'logsoftmax', True, 3),
    ('torch-sequential-opset11-softmax.onnx', 'sequential', 11, 'softmax', True, 4),
    ('torch-sequential-opset13-batch1.onnx', 'sequential', 13, 'logits', False, 5),
    ('torch-sequential-zeropad-opset17.onnx', 'sequential-zeropad', 17, 'logits', True, 6),
]


def build(style, head):
    if style == 'forward':
        return ForwardLeNet5(head)
    return sequential_lenet5(head, zero_pad_layer=style == 'sequential-zeropad')


def export(model, opset, dynamic):
    """The bytes torch.onnx.export writes for the model in inference mode."""
    model.eval()
    buf = io.BytesIO()
    kwargs = {'dynamic_axes': {'input': {0: 'batch'}, 'output': {0: 'batch'}}} if dynamic else {}
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), buf, opset_version=opset,
                      input_names=['input'], output_names=['output'], **kwargs)
    return buf.getvalue()


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    ndim = magic & 0xff
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def default_data_dir():
    base = os.environ.get('LENET5_DATA_DIR') or os.path.join(ROOT, '..', 'shared', 'data')
    return os.path.join(base, 'mnist-train')


def train_fixture(data_dir):
    """One epoch on the first 50,000 training images; accuracy on the last 10,000."""
    images = read_idx(os.path.join(data_dir, 'train-images-idx3-ubyte.gz'))
    labels = read_idx(os.path.join(data_dir, 'train-labels-idx1-ubyte.gz'))
    assert images.shape == (60_000, 28, 28) and labels.shape == (60_000,), (images.shape, labels.shape)
    x = torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    x_train, y_train = x[:TRAIN_COUNT], y[:TRAIN_COUNT]
    x_held, y_held = x[TRAIN_COUNT:TRAIN_COUNT + HELD_OUT], y[TRAIN_COUNT:TRAIN_COUNT + HELD_OUT]

    torch.manual_seed(20)
    model = ForwardLeNet5('logits')
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    order = torch.randperm(TRAIN_COUNT, generator=torch.Generator().manual_seed(21))
    model.train()
    start = time.time()
    for i in range(0, TRAIN_COUNT, 64):
        idx = order[i:i + 64]
        opt.zero_grad()
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        loss.backward()
        opt.step()
    seconds = time.time() - start
    model.eval()
    with torch.no_grad():
        logits = model(x_held)
    top2 = logits.topk(2, dim=1).values
    correct = int((logits.argmax(dim=1) == y_held).sum())
    info = {
        'fixture': 'torch-trained.onnx',
        'trainedOn': f'MNIST training set images 0..{TRAIN_COUNT - 1}',
        'heldOut': {'first': TRAIN_COUNT, 'count': HELD_OUT},
        'training': {'epochs': 1, 'batch': 64, 'optimizer': 'SGD lr 0.05 momentum 0.9', 'loss': 'cross-entropy on logits'},
        'pytorch': {'version': torch.__version__, 'correct': correct, 'accuracy': correct / HELD_OUT,
                    # The smallest gap between the two largest logits over the held-out set: a class can
                    # only flip between implementations whose logits differ by about this much.
                    'minTop2Margin': float((top2[:, 0] - top2[:, 1]).min())},
    }
    return model, info, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default=default_data_dir(), help='folder with the MNIST training set (gzipped idx files)')
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    manifest = []
    for name, style, opset, head, dynamic, seed in VARIANTS:
        torch.manual_seed(seed)
        data = export(build(style, head), opset, dynamic)
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
        manifest.append({'file': name, 'style': style, 'opset': opset, 'output': head, 'batch': 'dynamic' if dynamic else 1,
                         'sha256': hashlib.sha256(data).hexdigest()})
        print(f'wrote {name} ({len(data)} bytes)')

    model, info, seconds = train_fixture(args.data)
    data = export(model, 13, True)
    with open(os.path.join(OUT, 'torch-trained.onnx'), 'wb') as f:
        f.write(data)
    info['sha256'] = hashlib.sha256(data).hexdigest()
    with open(os.path.join(OUT, 'torch-trained.json'), 'w') as f:
        json.dump(info, f, indent=2)
        f.write('\n')
    manifest.append({'file': 'torch-trained.onnx', 'style': 'forward', 'opset': 13, 'output': 'logits', 'batch': 'dynamic',
                     'sha256': info['sha256'], 'trained': 'torch-trained.json'})
    print(f'wrote torch-trained.onnx: PyTorch {info["pytorch"]["correct"]}/{HELD_OUT} on the held-out set '
          f'({seconds:.1f} s of training)')
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump({'producer': f'torch.onnx.export, PyTorch {torch.__version__}', 'input': 'float32 [N, 1, 28, 28], byte / 255',
                   'fixtures': manifest}, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
