#!/usr/bin/python3
"""Generate `tiny-neox/`, a two-layer decoder with GPT-NeoX's fused query/key/value layout, as torch.onnx writes it.

Run from the repository root with the Debian Python (python3-torch):

    /usr/bin/python3 sample-models/make_tiny_neox.py

The block is tiny-gpt2's except for the attention projection, which is laid out as GPT-NeoX's
`query_key_value`: its output is viewed as [batch, sequence, heads, 3 * head size] and each head's query, key and
value are the three thirds of its own block (GPT-2 puts all queries, then all keys, then all values). GPT-NeoX's
rotary embeddings and parallel residual are left out: the layout is what this sample is for. 4 heads of 16, a GELU MLP of 4x the width, a final LayerNorm and an untied LM head, and a
key/value cache as inputs and outputs with the names Optimum uses (`past_key_values.N.key`, `present.N.key`, ...).
Tokens are bytes (vocabulary 256). It is trained briefly on `sentences/sentences.txt`, like tiny-llama.

Outputs (relative to this script's folder):
    tiny-neox/model.onnx   the decoder, opset 17, float32
    tiny-neox/config.json  its shape as Hugging Face's GPT-2 configuration spells it
    tiny-neox/text.txt     held-out lines of the corpus, for perplexity and next-token agreement
"""
import io
import json
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tiny-neox")
SEED = 0
OPSET = 17
VOCAB, HIDDEN, LAYERS, HEADS, FFN, POSITIONS = 256, 64, 2, 4, 256, 256
HEAD_DIM = HIDDEN // HEADS
KV_HEADS = HEADS
EPS = 1e-5


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query_key_value = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.c_proj = nn.Linear(HIDDEN, HIDDEN)

    def forward(self, x, mask, past_k, past_v):
        b, s, _ = x.shape
        qkv = self.query_key_value(x).view(b, s, HEADS, 3 * HEAD_DIM)
        q, k, v = qkv.split(HEAD_DIM, dim=-1)
        q = q.transpose(1, 2)
        k = k.transpose(1, 2)
        v = v.transpose(1, 2)
        k = torch.cat((past_k, k), dim=2)
        v = torch.cat((past_v, v), dim=2)
        present = (k, v)
        scores = torch.matmul(q, k.transpose(2, 3)) / (HEAD_DIM ** 0.5) + mask
        context = torch.matmul(F.softmax(scores, dim=-1), v)
        return self.c_proj(context.transpose(1, 2).reshape(b, s, HIDDEN)), present


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = nn.Linear(HIDDEN, FFN)
        self.c_proj = nn.Linear(FFN, HIDDEN)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(HIDDEN, eps=EPS)
        self.attn = Attention()
        self.ln_2 = nn.LayerNorm(HIDDEN, eps=EPS)
        self.mlp = MLP()

    def forward(self, x, mask, past_k, past_v):
        a, present = self.attn(self.ln_1(x), mask, past_k, past_v)
        x = x + a
        return x + self.mlp(self.ln_2(x)), present


class TinyNeox(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, HIDDEN)
        self.wpe = nn.Embedding(POSITIONS, HIDDEN)
        self.h = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(HIDDEN, eps=EPS)
        self.lm_head = nn.Linear(HIDDEN, VOCAB, bias=False)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        x = self.wte(input_ids) + self.wpe(position_ids)
        total = attention_mask.shape[1]
        keys = torch.arange(total, device=input_ids.device)[None, None, :]
        visible = (keys <= position_ids[:, :, None]) & (attention_mask[:, None, :] > 0)
        mask = torch.where(visible, torch.zeros((), dtype=torch.float32), torch.full((), -1e4))[:, None, :, :]
        presents = []
        for i, block in enumerate(self.h):
            x, present = block(x, mask, past[2 * i], past[2 * i + 1])
            presents.extend(present)
        return (self.lm_head(self.ln_f(x)), *presents)


def corpus():
    with open(os.path.join(HERE, "sentences", "sentences.txt"), "rb") as f:
        lines = [l for l in f.read().split(b"\n") if l]
    held_out = lines[-40:]
    return lines[:-40], held_out


def train(model, lines, steps=400, length=48, batch=32):
    data = torch.tensor(list(b"\n".join(lines)), dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    empty = [torch.zeros(batch, KV_HEADS, 0, HEAD_DIM) for _ in range(2 * LAYERS)]
    positions = torch.arange(length)[None, :].expand(batch, length)
    mask = torch.ones(batch, length, dtype=torch.long)
    for step in range(steps):
        starts = torch.randint(0, len(data) - length - 1, (batch,))
        x = torch.stack([data[s:s + length] for s in starts])
        y = torch.stack([data[s + 1:s + length + 1] for s in starts])
        logits = model(x, mask, positions, *empty)[0]
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step}: loss {loss.item():.3f}")


def export(model, path):
    batch, seq, past = 1, 3, 2
    ids = torch.randint(0, VOCAB, (batch, seq))
    mask = torch.ones(batch, past + seq, dtype=torch.long)
    positions = torch.arange(past, past + seq)[None, :]
    cache = [torch.randn(batch, KV_HEADS, past, HEAD_DIM) for _ in range(2 * LAYERS)]
    past_names, present_names, axes = [], [], {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(LAYERS):
        for kind in ("key", "value"):
            past_names.append(f"past_key_values.{i}.{kind}")
            present_names.append(f"present.{i}.{kind}")
            axes[past_names[-1]] = {0: "batch_size", 2: "past_sequence_length"}
            axes[present_names[-1]] = {0: "batch_size", 2: "total_sequence_length"}
    buf = io.BytesIO()
    torch.onnx.export(model, (ids, mask, positions, *cache), buf, opset_version=OPSET, do_constant_folding=True,
                      input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=axes)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def main():
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    lines, held_out = corpus()
    model = TinyNeox()
    train(model, lines)
    model.eval()
    export(model, os.path.join(OUT, "model.onnx"))
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "qkv_layout": "gpt-neox (per head)", "vocab_size": VOCAB, "n_embd": HIDDEN,
              "n_inner": FFN, "n_layer": LAYERS, "n_head": HEADS, "n_positions": POSITIONS, "layer_norm_epsilon": EPS,
              "tie_word_embeddings": False, "tokenizer": "bytes: token i is byte i"}
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "text.txt"), "wb") as f:
        f.write(b"\n".join(held_out) + b"\n")


if __name__ == "__main__":
    main()
