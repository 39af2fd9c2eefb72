"""The open draw algorithm: candidates from public data, and their verification.

Pure functions over plain data (no ORM), so anyone can re-implement them; docs/plates.md
states the same algorithm in words. Version ``jiaoguan-plates-draw-v1``:

1. **Canonical list.** A list of plate numbers is canonical when sorted by Unicode code point
   (Python's ``sorted`` on ``str``), without duplicates, joined by ``"\\n"`` (no trailing
   newline) and encoded as UTF-8. A batch's **hash** is SHA-256 (or SM3, as the batch says)
   of its canonical list, in lower-case hex; it is published when the batch is announced,
   before the batch opens.
2. **Seed commitment.** Each draw window has a secret 32-byte seed; its commitment
   ``SHA-256(seed)`` (hex) is published when the window is created, before any draw in it.
   After the window closes the seed is revealed (hex).
3. **Snapshot.** A draw offers numbers of the pool's open batches that were free when it was
   made. The draw record publishes the batches used (id and hash) and ``taken``: the numbers
   of those batches held or issued at the draw's timestamp. The snapshot is the canonical
   list of (union of the batches' numbers) minus ``taken``; the record carries its hash.
4. **Candidates.** ``message = "jiaoguan-plates-draw-v1\\n" + right_id + "\\n" + attempt +
   "\\n" + batch hashes joined by "," in the record's order + "\\n" + snapshot hash``. For
   ``counter = 0, 1, 2, …``: ``block = HMAC-SHA256(key=seed, msg=message + counter as 8
   bytes big-endian)``; ``u`` = the first 8 bytes of ``block`` as an unsigned big-endian
   integer; with ``n`` = snapshot size, ``u`` is rejected when ``u >= floor(2^64 / n) * n``
   (no modulo bias), else ``i = u mod n``; ``snapshot[i]`` is the next candidate unless
   already chosen. Stop at ``min(count, n)`` candidates, kept in the order drawn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jiaoguan.kernel.crypto import sm3_hex

ALGORITHM = "jiaoguan-plates-draw-v1"
SEED_BYTES = 32
_U64 = 1 << 64


def canonical(numbers: Iterable[str]) -> list[str]:
    """The canonical order of a list of numbers: sorted by code point, duplicates dropped."""
    return sorted(set(numbers))


def canonical_bytes(numbers: Iterable[str]) -> bytes:
    return "\n".join(canonical(numbers)).encode("utf-8")


def list_hash(numbers: Iterable[str], algorithm: str = "sha256") -> str:
    """The published hash of a list of numbers (a batch, or a draw's snapshot)."""
    return canonical_hash(canonical(numbers), algorithm)


def canonical_hash(canonical_list: Sequence[str], algorithm: str = "sha256") -> str:
    """:func:`list_hash` of a list already in canonical order (not checked: callers that
    build the list themselves save the sort)."""
    data = "\n".join(canonical_list).encode("utf-8")
    if algorithm == "sm3":
        return sm3_hex(data)
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    raise ValueError(f"unknown hash algorithm {algorithm!r}")


def seed_commitment(seed: bytes) -> str:
    """The commitment published before a window's first draw: SHA-256 of the seed, hex."""
    return hashlib.sha256(seed).hexdigest()


def snapshot(batch_numbers: Iterable[str], taken: Iterable[str]) -> list[str]:
    """The canonical list of the batches' numbers that were free at the draw."""
    return canonical(set(batch_numbers) - set(taken))


def message(
    *, right_id: str, attempt: int, batch_hashes: Sequence[str], snapshot_hash: str
) -> bytes:
    return "\n".join(
        [ALGORITHM, right_id, str(attempt), ",".join(batch_hashes), snapshot_hash]
    ).encode("utf-8")


def candidates(
    *,
    seed: bytes,
    right_id: str,
    attempt: int,
    batch_hashes: Sequence[str],
    snapshot_hash: str,
    available: Sequence[str],
    count: int,
) -> list[str]:
    """The candidates of one draw (step 4 of the module docstring). ``available`` must be the
    canonical snapshot whose hash is ``snapshot_hash``."""
    n = len(available)
    want = min(count, n)
    msg = message(
        right_id=right_id, attempt=attempt, batch_hashes=batch_hashes, snapshot_hash=snapshot_hash
    )
    limit = (_U64 // n) * n if n else 0
    chosen: list[int] = []
    seen: set[int] = set()
    counter = 0
    while len(chosen) < want:
        block = hmac.new(seed, msg + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        counter += 1
        u = int.from_bytes(block[:8], "big")
        if u >= limit:
            continue
        i = u % n
        if i not in seen:
            seen.add(i)
            chosen.append(i)
    return [available[i] for i in chosen]


BEACON_CONTEXT = b"jiaoguan-plates-beacon-v1"


def mixed_seed(seed: bytes, beacon_round: int, randomness_hex: str) -> bytes:
    """The draw key when a beacon round is mixed in: ``HMAC-SHA256(key = seed, message =
    "jiaoguan-plates-beacon-v1\n" + round in decimal + "\n" + randomness hex)``."""
    msg = BEACON_CONTEXT + b"\n" + str(beacon_round).encode() + b"\n" + randomness_hex.encode()
    return hmac.new(seed, msg, hashlib.sha256).digest()


@dataclass(frozen=True)
class PublishedBatch:
    """A batch as announced: its id, hash algorithm and published hash, and its list."""

    id: str
    algorithm: str
    announced_hash: str
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class DrawRecord:
    """What a draw publishes (the seed comes from the window once revealed)."""

    right_id: str
    attempt: int
    drawn_at: dt.datetime
    count: int
    batch_ids: tuple[str, ...]
    batch_hashes: tuple[str, ...]
    taken: tuple[str, ...]
    snapshot_hash: str
    snapshot_algorithm: str
    candidates: tuple[str, ...]
    seed_commitment: str
    #: the beacon round the window committed to, its randomness and signature (hex); None
    #: when no beacon was configured for the window
    beacon_round: int | None = None
    beacon_randomness: str = ""
    beacon_signature: str = ""


@dataclass
class Verification:
    ok: bool
    failures: list[str] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)


def verify(
    record: DrawRecord,
    batches: Sequence[PublishedBatch],
    seed_hex: str,
    *,
    beacon_key: str | None = None,
) -> Verification:
    """Recompute a draw from public data; every failed check is named in ``failures``.

    Checks: the revealed seed matches the commitment; each batch list hashes to the hash
    announced for it and to the hash the draw used; ``taken`` lies inside the batches; the
    snapshot hashes to the draw's snapshot hash; the recomputed candidates equal the published
    ones. With a beacon round: the round's signature holds under ``beacon_key`` and its
    randomness is the hash of the signature, and the candidates use the mixed seed.
    """
    from jiaoguan.plates.beacon import BeaconRound, check_round

    failures: list[str] = []
    try:
        seed = bytes.fromhex(seed_hex)
    except ValueError:
        seed = b""
    if not seed or seed_commitment(seed) != record.seed_commitment:
        failures.append("seed_commitment_mismatch")
    key = seed
    if record.beacon_round is not None:
        if not beacon_key:
            failures.append("beacon_key_unknown")
        else:
            failures.extend(
                check_round(
                    beacon_key,
                    BeaconRound(
                        record.beacon_round, record.beacon_randomness, record.beacon_signature
                    ),
                )
            )
        if seed:
            key = mixed_seed(seed, record.beacon_round, record.beacon_randomness)
    by_id = {b.id: b for b in batches}
    numbers: set[str] = set()
    for batch_id, used_hash in zip(record.batch_ids, record.batch_hashes, strict=True):
        batch = by_id.get(batch_id)
        if batch is None:
            failures.append(f"batch_missing:{batch_id}")
            continue
        actual = list_hash(batch.numbers, batch.algorithm)
        if actual != batch.announced_hash:
            failures.append(f"batch_hash_mismatch:{batch_id}")
        if used_hash != batch.announced_hash:
            failures.append(f"batch_not_as_announced:{batch_id}")
        numbers.update(batch.numbers)
    if not set(record.taken) <= numbers:
        failures.append("taken_outside_batches")
    snap = snapshot(numbers, record.taken)
    if list_hash(snap, record.snapshot_algorithm) != record.snapshot_hash:
        failures.append("snapshot_hash_mismatch")
    recomputed = (
        candidates(
            seed=key,
            right_id=record.right_id,
            attempt=record.attempt,
            batch_hashes=record.batch_hashes,
            snapshot_hash=record.snapshot_hash,
            available=snap,
            count=record.count,
        )
        if seed
        else []
    )
    if recomputed != list(record.candidates):
        failures.append("candidates_mismatch")
    return Verification(ok=not failures, failures=failures, recomputed=recomputed)
