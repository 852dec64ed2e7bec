"""The routing tree: options inherited down the tree, matching, route and group keys.

Built once per loaded config by the dispatcher actor (pipeline.md §3.1–3.3).
"""

from __future__ import annotations

from collections.abc import Mapping

from gossamer.config import RouteConfig
from gossamer.labels import label_set_string
from gossamer.matchers import Matcher, matchers_string

DEFAULT_GROUP_WAIT = 30.0
DEFAULT_GROUP_INTERVAL = 300.0
DEFAULT_REPEAT_INTERVAL = 4 * 3600.0


class Route:
    """One node of the routing tree with its effective (inherited) options."""

    def __init__(self, config: RouteConfig, parent: Route | None, index: int) -> None:
        self.parent = parent
        self.matchers: tuple[Matcher, ...] = tuple(config.matchers)
        self.receiver: str = config.receiver or (parent.receiver if parent else "")
        self.group_by_all, self.group_by = _group_by(config, parent)
        self.group_wait = _inherit(config.group_wait, parent, "group_wait", DEFAULT_GROUP_WAIT)
        self.group_interval = _inherit(
            config.group_interval, parent, "group_interval", DEFAULT_GROUP_INTERVAL
        )
        self.repeat_interval = _inherit(
            config.repeat_interval, parent, "repeat_interval", DEFAULT_REPEAT_INTERVAL
        )
        self.continue_ = config.continue_
        self.mute_time_intervals = tuple(config.mute_time_intervals)
        self.active_time_intervals = tuple(config.active_time_intervals)
        own = matchers_string(self.matchers)
        self.key: str = own if parent is None else f"{parent.key}/{own}"
        #: Unique among siblings even where two routes have the same matchers.
        self.id: str = "0" if parent is None else f"{parent.id}.{index}"
        self.routes = [Route(child, self, i) for i, child in enumerate(config.routes)]
        #: Shared by every alert that stops at this route (the route cache holds one per alert).
        self._alone: list[Route] = [self]

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """Every route this label set is routed to, depth first (``Route.Match``)."""
        if not all(m.matches(labels.get(m.name, "")) for m in self.matchers):
            return []
        found: list[Route] = []
        for child in self.routes:
            matched = child.match(labels)
            found.extend(matched)
            if matched and not child.continue_:
                break
        return found or self._alone

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        """The labels that pick this alert's aggregation group on this route."""
        if self.group_by_all:
            return dict(labels)
        return {name: labels[name] for name in self.group_by if name in labels}

    def group_key(self, group_labels: Mapping[str, str]) -> str:
        """Alertmanager's group key: ``<route key>:<group label set>``."""
        return f"{self.key}:{label_set_string(group_labels)}"

    def walk(self) -> list[Route]:
        """This route and every descendant, depth first."""
        out = [self]
        for child in self.routes:
            out.extend(child.walk())
        return out

    def __repr__(self) -> str:
        return f"<Route {self.key} receiver={self.receiver!r}>"


def _inherit(value: float | None, parent: Route | None, name: str, default: float) -> float:
    if value is not None:
        return value
    return getattr(parent, name) if parent is not None else default


def _group_by(config: RouteConfig, parent: Route | None) -> tuple[bool, tuple[str, ...]]:
    if config.group_by_all:
        return True, ()
    if config.group_by is not None:
        return False, tuple(config.group_by)
    if parent is not None:
        return parent.group_by_all, parent.group_by
    return False, ()


def build_tree(root: RouteConfig) -> Route:
    """The routing tree for a loaded config."""
    return Route(root, None, 0)
