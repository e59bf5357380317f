"""All extractors, in dependency order, and what `doctor` says about each."""
from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any, Iterable

from ..errors import UserError
from . import extractors as _extractors_pkg
from .base import REGISTRY, Extractor, Runtime

log = logging.getLogger(__name__)
_loaded = False


def _import_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(_extractors_pkg.__path__):
        try:
            importlib.import_module(f"{_extractors_pkg.__name__}.{mod.name}")
        except ImportError as exc:  # an extractor module whose own imports fail is reported, not fatal
            log.warning("extractor module %s unavailable: %s", mod.name, exc)
            _FAILED_MODULES[mod.name] = str(exc)
    _loaded = True


_FAILED_MODULES: dict[str, str] = {}


def names() -> list[str]:
    _import_all()
    return ordered(REGISTRY)


def ordered(selected: Iterable[str]) -> list[str]:
    """Names in an order where every extractor comes after those it reads (`spec.after`, `spec.uses`)."""
    _import_all()
    selected = set(selected)
    out: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in out:
            return
        if name in visiting:
            raise ValueError(f"extractor dependency cycle at {name}")
        visiting.add(name)
        spec = REGISTRY[name].spec
        for dep in sorted((*spec.after, *spec.uses)):
            if dep in REGISTRY and dep in selected:
                visit(dep)
        visiting.discard(name)
        out.append(name)

    for name in sorted(selected):
        visit(name)
    return out


def create(name: str) -> Extractor:
    _import_all()
    if name not in REGISTRY:
        raise UserError(f"unknown extractor {name!r} (known: {', '.join(sorted(REGISTRY))})")
    return REGISTRY[name]()


def resolve(only: Iterable[str] | None) -> list[str]:
    """The extractors `analyze --only` names (validated), or all of them."""
    _import_all()
    if not only:
        return names()
    chosen = []
    for name in only:
        if name not in REGISTRY:
            raise UserError(f"unknown extractor {name!r} (known: {', '.join(sorted(REGISTRY))})")
        chosen.append(name)
    return ordered(chosen)


def availability(runtime: Runtime) -> list[dict[str, Any]]:
    """For `doctor`: every extractor with whether it can run here and, if not, why."""
    out = []
    for name in names():
        ext = create(name)
        try:
            reason = ext.check(runtime)
        except Exception as exc:  # noqa: BLE001 - a check that crashes disables its extractor, visibly
            reason = f"check failed: {type(exc).__name__}: {exc}"
        spec = ext.spec
        out.append({"name": name, "version": spec.version, "kinds": sorted(spec.kinds), "dim": spec.dim,
                    "description": spec.description, "available": reason is None, "reason": reason})
    for module, error in sorted(_FAILED_MODULES.items()):
        out.append({"name": f"({module})", "version": 0, "kinds": [], "dim": 0, "description": "",
                    "available": False, "reason": f"import failed: {error}"})
    return out
