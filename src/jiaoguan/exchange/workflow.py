"""Archive transfer states as a workflow table: named commands, allowed sources, target.

Out (old office): ``send`` → sent; the new office's answer moves it: ``complete`` (registered
there; the old record is closed as transferred) or ``refused`` (back to normal).
In (new office): ``receive`` → received; ``accept`` (plate selection right granted) →
selecting; ``register`` → registered; ``reject`` from received or selecting.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiaoguan.exchange.constants import TransferState as S


@dataclass(frozen=True)
class Transition:
    command: str
    direction: str
    source: frozenset[str]
    target: str
    citation: str


TRANSITIONS: dict[str, Transition] = {
    t.command: t
    for t in (
        Transition("complete", "out", frozenset({S.SENT}), S.COMPLETED, "R164 Art. 18"),
        Transition("refused", "out", frozenset({S.SENT}), S.REJECTED, "R164 Art. 18"),
        Transition("accept", "in", frozenset({S.RECEIVED}), S.SELECTING, "R164 Art. 18"),
        Transition("register", "in", frozenset({S.SELECTING}), S.REGISTERED, "R164 Art. 18"),
        Transition(
            "reject", "in", frozenset({S.RECEIVED, S.SELECTING}), S.REJECTED, "R164 Art. 18"
        ),
    )
}
