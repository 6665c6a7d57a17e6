"""ID-card data integrity under damage: how many mutated read replies become a wrong identity.

Each trial takes one demo card's real ``30 01`` reply frame (1,295 bytes), damages it and asks
what each layer of the kiosk accepts:

- ``one read``: the frame's checks (preamble, length, XOR checksum) and the text block's field
  checks (``hardware.idcard.card.decode_text``): what a driver accepting a single read would take;
- ``two reads``: the same, then a second read of the card, damaged independently with the same
  probability as the first (``--second-damaged``), and ``hardware.idcard.confirm`` accepting only
  when two consecutive reads agree: what the driver accepts.

A *wrong identity* is an accepted card whose identity or extra fields differ in anything from
the card's (name, number, dates, codes...). Mutations, in equal shares:

- ``flips``: 1-4 random bits flipped anywhere in the frame;
- ``xor-blind``: the same bit flipped in two bytes (the XOR checksum cannot see it), anywhere;
- ``xor-blind-text``: the same, both bytes inside the text block;
- ``recomputed``: 1-3 random bytes of the text block replaced and the checksum recomputed
  (damage inside the reader, before it sums the frame): only the field checks stand in the way;
- ``cut``: a random length cut off or a random byte sequence inserted.

    .venv/bin/python bench/idcard_fuzz.py [--frames 1000000] [--workers 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter

from hardware.idcard.card import (
    TEXT_SIZE,
    CardDataError,
    CardRecord,
    build_read_data,
    decode_text,
    split_read_data,
)
from hardware.idcard.cardfile import demo_cards
from hardware.idcard.codec import FrameError, decode_reply, encode_reply
from hardware.idcard.confirm import ReadConfirmation

TEXT_AT = 14  # preamble 5, LEN 2, SW1-3, the two block lengths
KINDS = ("flips", "xor-blind", "xor-blind-text", "recomputed", "cut")


def frames() -> dict[str, tuple[bytes, CardRecord]]:
    result = {}
    for stem, card in sorted(demo_cards().items()):
        frame = encode_reply(0x90, build_read_data(card.text_block(), card.photo))
        result[stem] = (frame, decode_text(card.text_block()))
    return result


def _checksum(frame: bytearray) -> None:
    value = 0
    for byte in frame[5:-1]:
        value ^= byte
    frame[-1] = value


def mutate(frame: bytes, kind: str, rng: random.Random) -> bytes:
    data = bytearray(frame)
    if kind == "flips":
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind in ("xor-blind", "xor-blind-text"):
        low, high = (TEXT_AT, TEXT_AT + TEXT_SIZE) if kind == "xor-blind-text" else (0, len(data))
        bit = 1 << rng.randrange(8)
        first = rng.randrange(low, high)
        second = rng.randrange(low, high - 1)
        second += second >= first  # two different bytes
        data[first] ^= bit
        data[second] ^= bit
    elif kind == "recomputed":
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(TEXT_AT, TEXT_AT + TEXT_SIZE)
            data[position] = (data[position] + rng.randrange(1, 256)) % 256
        _checksum(data)
    else:
        position = rng.randrange(len(data))
        if rng.random() < 0.5:
            del data[position:]
        else:
            data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


def read_block(frame: bytes) -> bytes | None:
    """The text block a driver would take from this reply, or None (frame refused)."""
    try:
        reply = decode_reply(frame)
        if reply.sw3 != 0x90:
            return None
        return split_read_data(reply.data)
    except (FrameError, CardDataError):
        return None


def one_read(frame: bytes) -> CardRecord | None:
    block = read_block(frame)
    if block is None:
        return None
    try:
        return decode_text(block)
    except CardDataError:
        return None


def two_reads(first: bytes, second: bytes, third: bytes) -> CardRecord | None:
    """What the driver accepts from consecutive reads (it reads on while they disagree)."""
    confirmation = ReadConfirmation()
    for frame in (first, second, third):
        block = read_block(frame)
        if block is None:
            continue  # the driver retries a damaged frame; no block to compare
        try:
            record = confirmation.offer(block)
        except CardDataError:
            return None
        if record is not None:
            return record
    return None


def difference(truth: CardRecord, accepted: CardRecord) -> str:
    """Which fields a damaged read changed (the demo cards are made-up people)."""
    before = {**vars(truth.identity), **truth.extras}
    after = {**vars(accepted.identity), **accepted.extras}
    keys = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    return ", ".join(f"{key} {before.get(key)!s} → {after.get(key)!s}" for key in keys)


def run(job: tuple[int, int, float]) -> tuple[Counter[str], Counter[str], list[str]]:
    seed, count, second_damaged = job
    rng = random.Random(seed)
    cards = frames()
    stems = sorted(cards)
    counts: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    examples: list[str] = []
    for index in range(count):
        stem = stems[index % len(stems)]
        frame, truth = cards[stem]
        kind = KINDS[(index // len(stems)) % len(KINDS)]
        damaged = mutate(frame, kind, rng)
        counts[f"{kind}:frames"] += 1
        accepted = one_read(damaged)
        if accepted is not None:
            counts[f"{kind}:one-read-accepted"] += 1
            if accepted != truth:
                wrong[f"{kind}:one read"] += 1
                if len(examples) < 5:
                    examples.append(f"{stem} {kind}: {difference(truth, accepted)}")
        later = [
            mutate(frame, rng.choice(KINDS), rng) if rng.random() < second_damaged else frame
            for _ in range(2)
        ]
        confirmed = two_reads(damaged, *later)
        if confirmed is not None:
            counts[f"{kind}:two-reads-accepted"] += 1
            if confirmed != truth:
                wrong[f"{kind}:two reads"] += 1
    return counts, wrong, examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--second-damaged", type=float, default=0.5, help="share of later reads damaged too"
    )
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    chunk = 20_000
    jobs = [
        (args.seed * 1_000_003 + n, min(chunk, args.frames - start), args.second_damaged)
        for n, start in enumerate(range(0, args.frames, chunk))
    ]
    counts: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    examples: list[str] = []
    started, cpu_started = time.monotonic(), time.process_time()
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(args.workers) as pool:
        for part_counts, part_wrong, part_examples in pool.map(run, jobs):
            counts.update(part_counts)
            wrong.update(part_wrong)
            examples.extend(part_examples)
    wall = time.monotonic() - started
    children = os.times()
    cpu = children.children_user + children.children_system + time.process_time() - cpu_started
    print(
        f"{args.frames:,} mutated frames in {wall:.0f} s; CPU {cpu:.0f} s = "
        f"{cpu / args.frames * 1e6:.0f} µs per frame (both layers)"
    )
    print(
        f"{'mutation':<16}{'frames':>10}{'1 read: accepted':>18}{'wrong':>8}"
        f"{'2 reads: accepted':>19}{'wrong':>8}"
    )
    for kind in KINDS:
        print(
            f"{kind:<16}{counts[f'{kind}:frames']:>10,}"
            f"{counts[f'{kind}:one-read-accepted']:>18,}{wrong[f'{kind}:one read']:>8,}"
            f"{counts[f'{kind}:two-reads-accepted']:>19,}{wrong[f'{kind}:two reads']:>8,}"
        )
    print(f"wrong identities, one read: {sum(v for k, v in wrong.items() if 'one' in k):,}")
    print(
        f"wrong identities, two reads (what the driver accepts): "
        f"{sum(v for k, v in wrong.items() if 'two' in k):,}"
    )
    for line in examples[:5]:
        print(f"  e.g. one read: {line}")


if __name__ == "__main__":
    main()
