#!/usr/bin/env python3
"""PyTorch-from-Python twin of the reference BiLSTM training step, for bench:neural.

Same architecture, sizes and step as src/models/bilstm (variant "reference"): Embedding(10002, 128,
padding_idx=0) -> packed 2-layer bidirectional LSTM(256, dropout 0.5) -> concat final states ->
Dropout(0.5) -> Linear(512, 1); BCEWithLogits, Adam 1e-3, clip 1.0, batch 64, length 256.
Prints one JSON line: {"msPerStep": wall, "cpuMsPerStep": CPU time, "steps", "threads", "torch"}.
Usage: python3 bench/neural-reference.py --threads 1 --steps 20 --warmup 3
"""
import argparse
import json
import time

import torch
import torch.nn as nn


class BiLSTM(nn.Module):
    def __init__(self, vocab=10002, emb=128, hidden=256, layers=2, dropout=0.5):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden, num_layers=layers, bidirectional=True, dropout=dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden * 2, 1)

    def forward(self, ids, lengths):
        x = self.dropout(self.embedding(ids))
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=True)
        _, (h, _) = self.lstm(packed)
        return self.fc(self.dropout(torch.cat([h[-2], h[-1]], dim=1))).squeeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--length", type=int, default=256)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = BiLSTM()
    assert sum(p.numel() for p in model.parameters()) == 3_648_257
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    ids = torch.randint(2, 10002, (args.batch, args.length))
    lengths = torch.full((args.batch,), args.length, dtype=torch.long)
    y = (torch.rand(args.batch) > 0.5).float()
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(ids, lengths), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    cpu = time.process_time()
    for _ in range(args.steps):
        step()
    ms = (time.perf_counter() - start) * 1000 / args.steps
    cpu_ms = (time.process_time() - cpu) * 1000 / args.steps
    print(json.dumps({"msPerStep": ms, "cpuMsPerStep": cpu_ms, "steps": args.steps, "threads": args.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
