"""Builds corpus.txt, the distillation corpus for the MiniLM sample, from WordNet 3.0's usage examples.

Input: the data.noun/verb/adj/adv files of Debian's `wordnet-base` package (1:3.0-37), unpacked without installing:
    apt-get download wordnet-base && dpkg-deb -x wordnet-base_*.deb wn
    python3 sample-models/sentences/make_corpus.py wn/usr/share/wordnet > sample-models/sentences/corpus.txt
Every quoted example in a synset's gloss is a candidate. Kept: ASCII, 7 to 30 words, no line already in
sentences.txt (which evaluates), first occurrence only (case-insensitive). The order is fixed by a SHA-1 of the
text, so the output is the same on every machine; the first COUNT lines are written.
"""
import hashlib
import pathlib
import re
import sys

COUNT = 6000

def examples(folder):
    for part in ("noun", "verb", "adj", "adv"):
        for line in (folder / f"data.{part}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  ") or "|" not in line:  # the licence header
                continue
            gloss = line.split("|", 1)[1]
            yield from re.findall(r'"([^"]+)"', gloss)

def main():
    folder = pathlib.Path(sys.argv[1])
    evaluation = {l.strip().lower() for l in (pathlib.Path(__file__).parent / "sentences.txt").read_text(encoding="utf-8").splitlines()}
    seen, kept = set(), []
    for e in examples(folder):
        e = " ".join(e.split()).strip(" ;,")
        key = e.lower()
        if not e.isascii() or not 7 <= len(e.split()) <= 30 or key in seen or key in evaluation:
            continue
        seen.add(key)
        kept.append(e)
    kept.sort(key=lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest())
    sys.stdout.write("\n".join(kept[:COUNT]) + "\n")

main()
