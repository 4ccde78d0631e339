"""Procedures as transition tables (issues 5 and 7: "states and transitions are a table in
one module"). A workflow is data: its states with Chinese labels, and transitions naming
the states they leave from, the state they lead to, the roles allowed to take them and
whether an opinion text is required. This module only answers questions about the table —
may this role take this action now, and where does it lead — so the services that write
the transition rows (who, when, opinion) and the pages that offer the buttons read the
same table and cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class TransitionRefused(Exception):
    """An action refused: ``message`` is Chinese, for the person who tried; ``status`` says
    whose the problem is, as HTTP would: 403 not this role's to take, 409 not in this state
    (or someone acted first), 422 the data the action needs is missing."""

    def __init__(self, message: str, *, action: str = "", state: str = "", role: str = "", status: int = 422):
        super().__init__(message)
        self.message, self.action, self.state, self.role, self.status = message, action, state, role, status


@dataclass(frozen=True)
class Transition:
    action: str  # code name, e.g. "submit"
    label: str  # Chinese, e.g. "提交申请"
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    needs_opinion: bool = False  # an opinion / reason text must accompany it


@dataclass(frozen=True)
class Workflow:
    name: str  # Chinese, e.g. "接入申请"
    states: Mapping[str, str]  # code → Chinese label, in display order
    initial: str
    transitions: tuple[Transition, ...]
    final: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        if self.initial not in self.states:
            raise ValueError(f"{self.name}: initial state {self.initial!r} is not a state")
        seen = set()
        for t in self.transitions:
            unknown = (set(t.sources) | {t.target}) - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}: transition {t.action!r} names unknown states {sorted(unknown)}")
            for source in t.sources:
                if (source, t.action) in seen:
                    raise ValueError(f"{self.name}: action {t.action!r} twice from {source!r}")
                seen.add((source, t.action))
            if set(t.sources) & set(self.final):
                raise ValueError(f"{self.name}: transition {t.action!r} leaves a final state")

    def label(self, state: str) -> str:
        return self.states[state]

    def available(self, state: str, roles: Iterable[str]) -> list[Transition]:
        """The actions these roles may take in ``state`` (what the page offers)."""
        roles = set(roles)
        return [t for t in self.transitions if state in t.sources and roles & t.roles]

    def check(self, state: str, action: str, roles: Iterable[str], *, opinion: str = "") -> Transition:
        """The transition ``action`` from ``state`` for someone holding ``roles``, or
        TransitionRefused saying why in Chinese."""
        roles = set(roles)
        candidates = [t for t in self.transitions if t.action == action]
        if not candidates:
            raise TransitionRefused(f"{self.name}没有“{action}”这一操作。", action=action, state=state, status=409)
        transition = next((t for t in candidates if state in t.sources), None)
        if transition is None:
            raise TransitionRefused(
                f"{self.name}当前为“{self.label(state)}”，不能{candidates[0].label}。", action=action, state=state,
                status=409)
        if not roles & transition.roles:
            raise TransitionRefused(f"您无权{transition.label}。", action=action, state=state,
                                    role=",".join(sorted(roles)), status=403)
        if transition.needs_opinion and not opinion.strip():
            raise TransitionRefused(f"{transition.label}须填写意见或理由。", action=action, state=state)
        return transition
