"""How the CPU plugin adapts verl: rebind a function everywhere, or act when a module is imported.

verl modules often import helpers by name (`from verl.utils.distributed import f`), so replacing
the attribute on the defining module is not enough once an importer has run: `replace_function`
rebinds every loaded module that holds the original object and records what it replaced, so a
test (or a curious user) can list every patch the plugin made.

The plugin is imported by `import verl` in every process (driver, Ray workers, reward and agent
loop workers). Most adaptations concern heavy modules (the FSDP engine, verl's Qwen2-VL patch)
that many of those processes never load, so `when_imported` defers the work until the module is
actually imported, instead of importing it everywhere up front.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

# "module.attr" -> reason, for every replacement this process made.
APPLIED_PATCHES: dict[str, str] = {}


def replace_function(module_name: str, attr: str, replacement: Callable[..., Any], reason: str) -> Any:
    """Swap `module_name.attr` for `replacement` everywhere it is bound; return the original."""
    module = importlib.import_module(module_name)
    original = getattr(module, attr)
    if original is replacement:
        return original
    for loaded in list(sys.modules.values()):
        namespace = getattr(loaded, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for name, value in list(namespace.items()):
            if value is original:
                setattr(loaded, name, replacement)
    APPLIED_PATCHES[f"{module_name}.{attr}"] = reason
    return original


class _AfterImportFinder(importlib.abc.MetaPathFinder):
    """Runs callbacks right after a named module finishes executing (a post-import hook)."""

    def __init__(self) -> None:
        self.callbacks: dict[str, list[Callable[[ModuleType], None]]] = {}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in self.callbacks:
            return None
        sys.meta_path.remove(self)  # let the regular finders locate the module
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original_exec = loader.exec_module
        callbacks = self.callbacks.pop(fullname)

        def exec_then_callbacks(module: ModuleType) -> None:
            original_exec(module)
            for callback in callbacks:
                callback(module)

        loader.exec_module = exec_then_callbacks  # type: ignore[method-assign]
        return spec


_FINDER = _AfterImportFinder()


def when_imported(module_name: str, callback: Callable[[ModuleType], None]) -> None:
    """Call `callback(module)` now if `module_name` is loaded, else right after it is first imported."""
    if module_name in sys.modules:
        callback(sys.modules[module_name])
        return
    _FINDER.callbacks.setdefault(module_name, []).append(callback)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
