"""Two fast paths for gotpl 0.1's sandboxed execution, behaviour unchanged.

Profiling a burst of notifications showed a quarter of template time in two places of
gotpl's sandbox that redo the same work on every lookup and every render:

* ``ValueAdapter._sandboxed_lookup`` calls ``inspect.getattr_static(value,
  "__gotemplate_lookup__")`` for each field of each value (~15 µs). Every Go value
  gossamer hands templates (``receivers.template_values.GoValue`` and subclasses: the
  ``template.Data`` views, times, durations) has that hook on its class, so the answer
  depends only on the type: it is looked up once per type here and called directly. A type without a
  plain-function hook (str, int, …) goes through gotpl's own code as before.
* ``_execution_function_registry`` rebuilds the function table (builtins + ours) on every
  render when a sandbox is set. For a given (format mode, functions, sandbox) the table is
  the same immutable value, so it is built once and reused.

``install()`` is idempotent and runs when ``receivers.templating`` is imported, on the
importing thread; afterwards the patched functions are safe from any thread (the caches
only ever gain entries of immutable values). The conformance suite against ``amtool
template render`` runs with both paths in place.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from gotpl.runtime import sync_vm
from gotpl.runtime.values import ValueAdapter

_NO_HOOK = object()
_hooks: dict[type, Any] = {}
_registries: dict[tuple[Any, int, int], tuple[Any, Any, Any]] = {}
_installed = False
_REGISTRY_LIMIT = 256


def _hook_of(cls: type) -> Any:
    """The class's ``__gotemplate_lookup__`` when it is a plain function, else _NO_HOOK."""
    hook = _hooks.get(cls)
    if hook is None:
        found = inspect.getattr_static(cls, "__gotemplate_lookup__", None)
        hook = found if inspect.isfunction(found) else _NO_HOOK
        _hooks[cls] = hook
    return hook


def _fast_lookup(original: Callable[..., object]) -> Callable[..., object]:
    def sandboxed_lookup(self: ValueAdapter, value: object, field: str) -> object:
        hook = _hook_of(type(value))
        policy = self.sandbox
        if hook is _NO_HOOK or policy is None or not policy.allow_custom_lookup:
            return original(self, value, field)
        if hasattr(value, "__dict__") and "__gotemplate_lookup__" in vars(value):
            return original(self, value, field)  # an instance override: gotpl's way
        try:
            return hook(value, field)
        except (AttributeError, KeyError):
            return self._missing(field)

    return sandboxed_lookup


def _cached_registry(original: Callable[..., Any]) -> Callable[..., Any]:
    def registry(format_mode: Any, functions: Any, *, sandbox: Any = None) -> Any:
        key = (format_mode, id(functions), id(sandbox))
        cached = _registries.get(key)
        if cached is not None and cached[0] is functions and cached[1] is sandbox:
            return cached[2]
        built = original(format_mode, functions, sandbox=sandbox)
        if len(_registries) < _REGISTRY_LIMIT:  # template sets are few and long-lived
            _registries[key] = (functions, sandbox, built)  # keeps both alive: ids stay unique
        return built

    return registry


def install() -> None:
    """Put both fast paths in place (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    ValueAdapter._sandboxed_lookup = _fast_lookup(ValueAdapter._sandboxed_lookup)  # type: ignore[method-assign]
    sync_vm._execution_function_registry = _cached_registry(  # type: ignore[attr-defined]
        sync_vm._execution_function_registry  # type: ignore[attr-defined]
    )
