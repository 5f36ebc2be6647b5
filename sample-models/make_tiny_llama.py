#!/usr/bin/python3
"""Generate `tiny-llama/`, a two-layer decoder of Llama shape, as torch.onnx writes such a model.

Run from the repository root with the Debian Python (python3-torch):

    /usr/bin/python3 sample-models/make_tiny_llama.py

The architecture is the Llama family's: RMSNorm before attention and before the MLP, rotary position
embeddings on queries and keys, grouped-query attention (4 query heads sharing 2 key/value heads), a SwiGLU MLP
(down(silu(gate(x)) * up(x))), untied embeddings and LM head, and a key/value cache as inputs and outputs with
the names Optimum uses (`past_key_values.N.key`, `present.N.key`, ...). Tokens are bytes (vocabulary 256). It is
trained briefly (a few hundred Adam steps, seconds on a CPU) on `sentences/sentences.txt`, so that its next-token
predictions mean something and pruning it changes them measurably.

Outputs (relative to this script's folder):
    tiny-llama/model.onnx   the decoder, opset 14, float32
    tiny-llama/config.json  its shape as Hugging Face configurations spell it
    tiny-llama/text.txt     held-out lines of the corpus, for perplexity and next-token agreement
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
OUT = os.path.join(HERE, "tiny-llama")
SEED = 0
OPSET = 14
VOCAB, HIDDEN, LAYERS, HEADS, KV_HEADS, FFN = 256, 64, 2, 4, 2, 128
HEAD_DIM = HIDDEN // HEADS
EPS = 1e-5


class RMSNorm(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + EPS))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Rotary(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, HEAD_DIM, 2).float() / HEAD_DIM)), persistent=False)

    def forward(self, position_ids):
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[:, None, :, :], emb.sin()[:, None, :, :]


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_proj = nn.Linear(HIDDEN, HEADS * HEAD_DIM, bias=False)
        self.k_proj = nn.Linear(HIDDEN, KV_HEADS * HEAD_DIM, bias=False)
        self.v_proj = nn.Linear(HIDDEN, KV_HEADS * HEAD_DIM, bias=False)
        self.o_proj = nn.Linear(HEADS * HEAD_DIM, HIDDEN, bias=False)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, HEADS, HEAD_DIM).transpose(1, 2)
        k = self.k_proj(x).view(b, s, KV_HEADS, HEAD_DIM).transpose(1, 2)
        v = self.v_proj(x).view(b, s, KV_HEADS, HEAD_DIM).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat((past_k, k), dim=2)
        v = torch.cat((past_v, v), dim=2)
        present = (k, v)
        rep = HEADS // KV_HEADS
        total = k.shape[2]
        k = k[:, :, None, :, :].expand(b, KV_HEADS, rep, total, HEAD_DIM).reshape(b, HEADS, total, HEAD_DIM)
        v = v[:, :, None, :, :].expand(b, KV_HEADS, rep, total, HEAD_DIM).reshape(b, HEADS, total, HEAD_DIM)
        scores = torch.matmul(q, k.transpose(2, 3)) / (HEAD_DIM ** 0.5) + mask
        context = torch.matmul(F.softmax(scores, dim=-1), v)
        return self.o_proj(context.transpose(1, 2).reshape(b, s, HEADS * HEAD_DIM)), present


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate_proj = nn.Linear(HIDDEN, FFN, bias=False)
        self.up_proj = nn.Linear(HIDDEN, FFN, bias=False)
        self.down_proj = nn.Linear(FFN, HIDDEN, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.input_layernorm = RMSNorm(HIDDEN)
        self.self_attn = Attention()
        self.post_attention_layernorm = RMSNorm(HIDDEN)
        self.mlp = MLP()

    def forward(self, x, cos, sin, mask, past_k, past_v):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past_k, past_v)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), present


class TinyLlama(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, HIDDEN)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.norm = RMSNorm(HIDDEN)
        self.lm_head = nn.Linear(HIDDEN, VOCAB, bias=False)
        self.rotary = Rotary()

    def forward(self, input_ids, attention_mask, position_ids, *past):
        x = self.embed_tokens(input_ids)
        cos, sin = self.rotary(position_ids)
        total = attention_mask.shape[1]
        # Causal and padding mask: key position j is visible to the query at position p when j <= p and it is not padding.
        keys = torch.arange(total, device=input_ids.device)[None, None, :]
        visible = (keys <= position_ids[:, :, None]) & (attention_mask[:, None, :] > 0)
        mask = torch.where(visible, torch.zeros((), dtype=torch.float32), torch.full((), -1e4))[:, None, :, :]
        presents = []
        for i, layer in enumerate(self.layers):
            x, present = layer(x, cos, sin, mask, past[2 * i], past[2 * i + 1])
            presents.extend(present)
        return (self.lm_head(self.norm(x)), *presents)


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
    model = TinyLlama()
    train(model, lines)
    model.eval()
    export(model, os.path.join(OUT, "model.onnx"))
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": VOCAB, "hidden_size": HIDDEN,
              "intermediate_size": FFN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "num_key_value_heads": KV_HEADS, "head_dim": HEAD_DIM, "rms_norm_eps": EPS, "rope_theta": 10000.0,
              "tokenizer": "bytes: token i is byte i"}
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "text.txt"), "wb") as f:
        f.write(b"\n".join(held_out) + b"\n")


if __name__ == "__main__":
    main()
