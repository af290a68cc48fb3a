"""GitOps tree discovery: every manifest parsed once, indexed by kind and name.

Discovery reads plain data with the fast parser (`quickload`); the round-trip
document of a file is parsed only when a caller asks for it (`TreeIndex.document`),
so a tree of a thousand releases is indexed in about a second.

Which manifests Flux applies together follows the tree: a Flux Kustomization
(kustomize.toolkit.fluxcd.io) applies `spec.path`; when that directory has a
kustomization.yaml, only what its `resources`/`components` reach (recursively),
plus the Flux Kustomization's own `spec.components`; without one, every manifest
under the path. A file no Flux Kustomization reaches is grouped with its
directory (its kustomization.yaml's reach, or the directory's files).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from appt2dispatch.errors import InputError
from appt2dispatch.kube import dig
from appt2dispatch.load.indexed import IndexedDocument, ReleaseEntry
from appt2dispatch.load.kustomize import (
    KUSTOMIZATION_FILES,
    kustomization_entries,
    kustomization_file,
    kustomize_namespace,
    resolve_flux_path,
)
from appt2dispatch.load.quickload import is_wellformed, may_hold_indexed_kind, scan_documents
from appt2dispatch.load.yamlio import (
    MAX_FILE_BYTES,
    read_checked_text,
    read_documents,
    read_text,
)
from appt2dispatch.models import HelmRelease, Note, SourceLocation, YamlDocument

__all__ = [
    "IndexedDocument",
    "ReleaseEntry",
    "TreeIndex",
    "discover_releases",
    "load_release_from_tree",
]

YAML_SUFFIXES = (".yaml", ".yml")
HELM_RELEASE_API = "helm.toolkit.fluxcd.io/"
FLUX_KUSTOMIZATION_API = "kustomize.toolkit.fluxcd.io/"
KUSTOMIZE_API = "kustomize.config.k8s.io/"


@dataclass(frozen=True)
class TreeIndex:
    """Every manifest under `root`, with Flux's view of how they group.

    `errors` are files that could not be read or parsed (discovery goes on);
    `notes` are files skipped on purpose (too large, symlink leaving the root).
    """

    root: Path
    documents: tuple[IndexedDocument, ...]
    errors: tuple[InputError, ...] = ()
    notes: tuple[Note, ...] = ()
    deferred: frozenset[str] = frozenset()
    """Absolute paths of well-formed files the pre-scan found no indexed kind in:
    parsed only when `documents_in` asks for them."""
    _round_trip: dict[str, list[YamlDocument]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _reach_cache: dict[str, dict[str, str | None]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _memo: dict[tuple[str, Any], Any] = field(default_factory=dict, compare=False, repr=False)

    # --- collections ---------------------------------------------------------------

    @cached_property
    def helmreleases(self) -> tuple[ReleaseEntry, ...]:
        return tuple(
            ReleaseEntry(doc, self.document)
            for doc in self.documents
            if doc.kind == "HelmRelease" and doc.api_version.startswith(HELM_RELEASE_API)
        )

    @cached_property
    def ocirepositories(self) -> tuple[IndexedDocument, ...]:
        return self.of_kind("OCIRepository")

    @cached_property
    def flux_kustomizations(self) -> tuple[IndexedDocument, ...]:
        patch_files = self._patch_files
        return tuple(
            doc
            for doc in self.of_kind("Kustomization")
            if doc.api_version.startswith(FLUX_KUSTOMIZATION_API)
            and os.path.abspath(doc.path) not in patch_files
        )

    @cached_property
    def _patch_files(self) -> frozenset[str]:
        """Files kustomization.yaml files use as patches or replacements: a Flux
        Kustomization in one is a patch body, not an object Flux applies."""
        found: set[str] = set()
        for doc in self.kustomize_files:
            directory = os.path.dirname(os.path.abspath(doc.path))
            for key in ("patches", "patchesJson6902", "replacements", "patchesStrategicMerge"):
                entries = doc.data.get(key)
                for entry in entries if isinstance(entries, list) else []:
                    path = entry.get("path") if isinstance(entry, Mapping) else entry
                    if isinstance(path, str) and "\n" not in path:
                        found.add(os.path.normpath(os.path.join(directory, path)))
        return frozenset(found)

    @cached_property
    def kustomize_files(self) -> tuple[IndexedDocument, ...]:
        """kustomization.yaml documents (kustomize Kustomization or Component)."""
        return tuple(
            doc
            for doc in self.documents
            if doc.api_version.startswith(KUSTOMIZE_API) and doc.path.name in KUSTOMIZATION_FILES
        )

    @cached_property
    def secrets(self) -> tuple[IndexedDocument, ...]:
        """ExternalSecrets, Secrets and ConfigMaps (what envFrom and valuesFrom read)."""
        kinds = ("ExternalSecret", "Secret", "ConfigMap")
        return tuple(doc for doc in self.documents if doc.kind in kinds)

    def of_kind(self, kind: str) -> tuple[IndexedDocument, ...]:
        return self._by_kind.get(kind, ())

    @cached_property
    def _by_kind(self) -> dict[str, tuple[IndexedDocument, ...]]:
        grouped: dict[str, list[IndexedDocument]] = {}
        for doc in self.documents:
            if doc.kind:
                grouped.setdefault(doc.kind, []).append(doc)
        return {kind: tuple(docs) for kind, docs in grouped.items()}

    @cached_property
    def _by_kind_and_name(self) -> dict[tuple[str, str | None], tuple[IndexedDocument, ...]]:
        grouped: dict[tuple[str, str | None], list[IndexedDocument]] = {}
        for doc in self.documents:
            if doc.kind:
                grouped.setdefault((doc.kind, doc.name), []).append(doc)
        return {key: tuple(docs) for key, docs in grouped.items()}

    def named(self, kind: str, name: str | None) -> tuple[IndexedDocument, ...]:
        """Documents of `kind` whose metadata.name is `name`, in discovery order."""
        return self._by_kind_and_name.get((kind, name), ())

    def documents_near(self, path: Path) -> list[IndexedDocument]:
        """Documents applied with `path` or in its directory (its own file included)."""
        directory = os.path.dirname(os.path.abspath(path))
        files = dict.fromkeys(self.reachable(path))
        files.update(dict.fromkeys(self._files_in(directory, recursive=False)))
        return [doc for file in files for doc in self._by_file.get(file, ())]

    @cached_property
    def _by_file(self) -> dict[str, tuple[IndexedDocument, ...]]:
        grouped: dict[str, list[IndexedDocument]] = {}
        for doc in self.documents:
            grouped.setdefault(os.path.abspath(doc.path), []).append(doc)
        return {path: tuple(docs) for path, docs in grouped.items()}

    # --- round-trip access -----------------------------------------------------------

    def file_documents(self, path: Path) -> list[YamlDocument]:
        """Round-trip documents of the file at `path` (parsed once, on demand)."""
        key = os.path.abspath(path)
        if key not in self._round_trip:
            self._round_trip[key] = read_documents(path)
        return self._round_trip[key]

    def document(self, summary: IndexedDocument) -> YamlDocument:
        """The round-trip document behind `summary`."""
        for document in self.file_documents(summary.path):
            if document.index == summary.index:
                return document
        raise InputError("document changed on disk during discovery", summary.location)

    def documents_in(self, path: Path) -> tuple[IndexedDocument, ...]:
        key = os.path.abspath(path)
        if key in self.deferred:
            return self._deferred_documents(key)
        return self._by_file.get(key, ())

    def _deferred_documents(self, key: str) -> tuple[IndexedDocument, ...]:
        memo_key = ("deferred", key)
        if memo_key not in self._memo:
            try:
                scanned = scan_documents(read_text(Path(key)), source=key)
            except InputError:
                scanned = []
            self._memo[memo_key] = tuple(
                IndexedDocument(Path(key), doc.index, doc.line, doc.column, doc.data)
                for doc in scanned
                if isinstance(doc.data, Mapping)
            )
        found: tuple[IndexedDocument, ...] = self._memo[memo_key]
        return found

    # --- Flux grouping -------------------------------------------------------------------

    def kustomization_for(self, path: Path) -> YamlDocument | None:
        """The Flux Kustomization whose `spec.path` applies the file at `path`."""
        summary = self.flux_kustomization_summary(path)
        return self.document(summary) if summary is not None else None

    def flux_kustomization_summary(self, path: Path) -> IndexedDocument | None:
        target = os.path.abspath(path)
        memo_key = ("kustomization", target)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._find_flux_kustomization(target)
        found: IndexedDocument | None = self._memo[memo_key]
        return found

    def _find_flux_kustomization(self, target: str) -> IndexedDocument | None:
        found = self.flux_kustomizations_for(Path(target))
        return found[0] if found else None

    def flux_kustomizations_for(self, path: Path) -> tuple[IndexedDocument, ...]:
        """Every Flux Kustomization of the deepest spec.path above `path` that applies it
        (a nested app has its own; several at one path apply it several times)."""
        target = os.path.abspath(path)
        memo_key = ("kustomizations", target)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._find_flux_kustomizations(target)
        found: tuple[IndexedDocument, ...] = self._memo[memo_key]
        return found

    def _find_flux_kustomizations(self, target: str) -> tuple[IndexedDocument, ...]:
        directory = os.path.dirname(target)
        while True:
            found = tuple(
                kustomization
                for kustomization in self._flux_by_base.get(directory, ())
                if target in self._flux_reach(kustomization, directory)
            )
            if found:
                return found
            parent = os.path.dirname(directory)
            if parent == directory:
                return ()
            directory = parent

    @cached_property
    def _flux_by_base(self) -> dict[str, list[IndexedDocument]]:
        grouped: dict[str, list[IndexedDocument]] = {}
        for kustomization in self.flux_kustomizations:
            base = self.flux_path(kustomization)
            if base is not None:
                grouped.setdefault(base, []).append(kustomization)
        return grouped

    def flux_path(self, kustomization: IndexedDocument) -> str | None:
        """Absolute directory of a Flux Kustomization's spec.path (repo-relative, `./` ok)."""
        memo_key = ("flux-path", kustomization.key)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._resolve_flux_path(kustomization)
        found: str | None = self._memo[memo_key]
        return found

    def _resolve_flux_path(self, kustomization: IndexedDocument) -> str | None:
        return resolve_flux_path(self.root, dig(kustomization.data, "spec", "path"))

    def reachable(self, path: Path) -> dict[str, str | None]:
        """Files applied together with `path` -> the kustomize `namespace:` they get."""
        memo_key = ("reachable", os.path.abspath(path))
        if memo_key not in self._memo:
            self._memo[memo_key] = self._reachable(path)
        found: dict[str, str | None] = self._memo[memo_key]
        return found

    def _reachable(self, path: Path) -> dict[str, str | None]:
        kustomization = self.flux_kustomization_summary(path)
        if kustomization is not None:
            base = self.flux_path(kustomization)
            if base is not None:
                return self._flux_reach(kustomization, base)
        directory = os.path.dirname(os.path.abspath(path))
        reach = self._kustomize_reach(directory)
        if os.path.abspath(path) in reach:
            return reach
        return dict.fromkeys(self._files_in(directory, recursive=False))

    def _flux_reach(self, kustomization: IndexedDocument, base: str) -> dict[str, str | None]:
        if kustomization_file(base) is None:
            reach = dict.fromkeys(self._files_in(base, recursive=True))
        else:
            reach = dict(self._kustomize_reach(base))
        components = dig(kustomization.data, "spec", "components")
        for component in components if isinstance(components, list) else []:
            if isinstance(component, str):
                directory = os.path.normpath(os.path.join(base, component))
                for path, namespace in self._kustomize_reach(directory).items():
                    reach.setdefault(path, namespace)
        return reach

    def _kustomize_reach(self, directory: str) -> dict[str, str | None]:
        """Files a kustomization directory builds, with the namespace kustomize sets."""
        if directory not in self._reach_cache:
            reach: dict[str, str | None] = {}
            self._walk_kustomization(directory, None, reach, set())
            self._reach_cache[directory] = reach
        return self._reach_cache[directory]

    def _walk_kustomization(
        self,
        directory: str,
        inherited: str | None,
        reach: dict[str, str | None],
        seen: set[str],
        source: str | None = None,
    ) -> None:
        if directory in seen or not self._inside_root(directory):
            return
        seen.add(directory)
        kustomization = kustomization_file(directory)
        if kustomization is None:
            return
        documents = self.documents_in(Path(kustomization))
        data = documents[0].data if documents else {}
        # An outer kustomization's namespace overrides the inner ones.
        namespace = inherited or kustomize_namespace(data)
        if not inherited and namespace:
            source = kustomization
        reach.setdefault(kustomization, namespace)
        for entry in kustomization_entries(data):
            target = os.path.normpath(os.path.join(directory, entry))
            if os.path.isdir(target):
                self._walk_kustomization(target, namespace, reach, seen, source)
            elif self._inside_root(target) and (target in self._by_file or os.path.isfile(target)):
                reach.setdefault(target, namespace)
                if source is not None:
                    self._memo.setdefault(("namespace-source", target), source)

    def namespace_source(self, path: Path) -> str:
        """The kustomization file whose `namespace:` the file at `path` gets (for reports)."""
        self.reachable(path)
        found = self._memo.get(("namespace-source", os.path.abspath(path)))
        if found is None:
            return "a kustomization.yaml on its path"
        root = os.path.abspath(self.root)
        shown = found[len(root) + 1 :] if found.startswith(root + os.sep) else found
        return f"{shown} (namespace)"

    def _files_in(self, directory: str, *, recursive: bool) -> list[str]:
        if not recursive:
            return list(self._by_directory.get(directory, ()))
        prefix = directory + os.sep
        return [
            path
            for folder, paths in self._by_directory.items()
            if folder == directory or folder.startswith(prefix)
            for path in paths
        ]

    @cached_property
    def _by_directory(self) -> dict[str, tuple[str, ...]]:
        """Indexed files per directory, in discovery order (a directory's files are
        contiguous in it): per-directory lookups stay linear in a large tree."""
        grouped: dict[str, list[str]] = {}
        for path in self._by_file:
            grouped.setdefault(os.path.dirname(path), []).append(path)
        return {directory: tuple(paths) for directory, paths in grouped.items()}

    def _inside_root(self, path: str) -> bool:
        root = os.path.abspath(self.root)
        return path == root or path.startswith(root + os.sep)

    # --- lookups ----------------------------------------------------------------------------

    def find_manifest(self, kind: str, name: str, near: Path) -> IndexedDocument | None:
        """The `kind`/`name` manifest `near` sees: applied with it, else same directory,
        else the nearest one in the tree."""
        return self._nearest(list(self.named(kind, name)), near)

    def ocirepository_summary_for(self, release: IndexedDocument) -> IndexedDocument | None:
        ref = dig(release.data, "spec", "chartRef")
        if not isinstance(ref, Mapping) or ref.get("kind") != "OCIRepository":
            return None
        name, namespace = ref.get("name"), ref.get("namespace")
        wanted = namespace if isinstance(namespace, str) and namespace else None
        wanted = wanted or self.effective_namespace(release)
        candidates = [
            doc
            for doc in self.named("OCIRepository", name if isinstance(name, str) else None)
            if _compatible(wanted, self.effective_namespace(doc))
        ]
        return self._nearest(candidates, release.path)

    def ocirepository_for(
        self, release: ReleaseEntry | IndexedDocument | YamlDocument
    ) -> YamlDocument | None:
        """The OCIRepository a release's chartRef points to (nearest match by name)."""
        summary = self._summary_of(release)
        found = self.ocirepository_summary_for(summary) if summary is not None else None
        return self.document(found) if found is not None else None

    def users_of(self, ocirepository: IndexedDocument | YamlDocument) -> list[ReleaseEntry]:
        """HelmReleases whose chartRef resolves to `ocirepository` (shared when several)."""
        target = self._summary_of(ocirepository)
        if target is None:
            return []
        # A chartRef resolves only to an OCIRepository of its own name: others are
        # passed over before the (costlier) namespace-aware lookup.
        return [
            entry
            for entry in self.helmreleases
            if _ref_name(entry.chart_ref) == target.name
            and (found := self.ocirepository_summary_for(entry.summary)) is not None
            and found.key == target.key
        ]

    def effective_namespace(self, doc: IndexedDocument) -> str | None:
        """Namespace the object lands in, when the tree says: Flux targetNamespace,
        then kustomize `namespace:`, then metadata.namespace."""
        kustomization = self.flux_kustomization_summary(doc.path)
        if kustomization is not None:
            target = self.flux_target_namespace(kustomization)
            if target:
                return target
        namespace = self.reachable(doc.path).get(os.path.abspath(doc.path))
        return namespace or doc.namespace

    def flux_target_namespace(self, kustomization: IndexedDocument) -> str | None:
        """spec.targetNamespace of `kustomization` as Flux applies it (after the kustomize
        build that emits it); as written when that build cannot be worked out."""
        from appt2dispatch.errors import Appt2DispatchError
        from appt2dispatch.load.fluxbuild import built_kustomization

        try:
            return built_kustomization(self, kustomization).target_namespace
        except Appt2DispatchError:
            target = dig(kustomization.data, "spec", "targetNamespace")
            return target if isinstance(target, str) and target else None

    def _summary_of(
        self, item: ReleaseEntry | IndexedDocument | YamlDocument
    ) -> IndexedDocument | None:
        if isinstance(item, ReleaseEntry):
            return item.summary
        if isinstance(item, IndexedDocument):
            return item
        for doc in self.documents_in(item.path):
            if doc.index == item.index:
                return doc
        return None

    def proximity(self, doc: IndexedDocument, near: Path) -> tuple[int, int, str, int]:
        """Sort key, nearest first: same file, `<stem>.*` beside it, applied with it,
        same directory, then by length of the shared path."""
        here = os.path.abspath(near)
        path = os.path.abspath(doc.path)
        directory = os.path.dirname(here)
        same_directory = os.path.dirname(path) == directory
        if path == here:
            tier = 0
        elif same_directory and Path(path).name.startswith(Path(here).stem + "."):
            tier = 1
        elif path in self.reachable(near):
            tier = 2
        elif same_directory:
            tier = 3
        else:
            tier = 4
        return (tier, -len(os.path.commonpath([path, here])), path, doc.index)

    def _nearest(self, candidates: list[IndexedDocument], near: Path) -> IndexedDocument | None:
        if not candidates:
            return None
        return min(candidates, key=lambda doc: self.proximity(doc, near))


def discover_releases(root: Path, *, recursive: bool = True) -> TreeIndex:
    """Walk `root` (hidden directories skipped, symlinks never followed out of it),
    parse every *.yaml/*.yml once, and index its manifests."""
    root_real = os.path.realpath(root)
    if not os.path.isdir(root_real):
        raise InputError("not a directory", SourceLocation(str(root)))
    documents: list[IndexedDocument] = []
    errors: list[InputError] = []
    notes: list[Note] = []
    deferred: list[str] = []
    for path, linked_directory in _yaml_files(root, recursive):
        where = SourceLocation(str(path))
        if linked_directory:  # never followed, noted when it leaves
            if _leaves_root(path, root_real):
                notes.append(
                    Note("skipped: symlink to a directory outside the tree", where, "warning")
                )
            continue
        # One lstat per file: it is the file's stat unless the file is a link.
        try:
            info: os.stat_result | None = os.lstat(path)
        except OSError:
            info = None  # gone or unreadable: the stat below reports it
        if info is not None and stat.S_ISLNK(info.st_mode):
            if _link_leaves_root(path, root_real):
                notes.append(Note("skipped: symlink to a file outside the tree", where, "warning"))
                continue
            info = None
        try:
            info = info or os.stat(path)
            if not stat.S_ISREG(info.st_mode):
                notes.append(Note("skipped: not a regular file", where, "warning"))
                continue
            if info.st_size > MAX_FILE_BYTES:
                notes.append(
                    Note(
                        f"skipped: {info.st_size} bytes, over the {MAX_FILE_BYTES}-byte limit",
                        where,
                        "warning",
                    )
                )
                continue
            text = read_checked_text(path)
            if (
                path.name not in KUSTOMIZATION_FILES
                and not may_hold_indexed_kind(text)
                and is_wellformed(text)
            ):
                deferred.append(os.path.abspath(path))
                continue
            scanned = scan_documents(text, source=str(path))
        except InputError as error:
            errors.append(error)
            continue
        except OSError as error:
            errors.append(InputError(f"cannot read: {error.strerror or error}", where))
            continue
        documents.extend(
            IndexedDocument(path, doc.index, doc.line, doc.column, doc.data)
            for doc in scanned
            if isinstance(doc.data, Mapping)
        )
    return TreeIndex(root, tuple(documents), tuple(errors), tuple(notes), frozenset(deferred))


def load_release_from_tree(
    index: TreeIndex,
    entry: ReleaseEntry,
    namespace: str | None = None,
    substitutions: Mapping[str, str] | None = None,
) -> HelmRelease:
    """The HelmRelease of a discovered `entry`, resolved as `load_release` does, with
    the tree as its context (Flux Kustomization substitutions, siblings, namespace)."""
    # Deferred: `release` builds on this module.
    from appt2dispatch.load.release import resolve_tree_entry

    return resolve_tree_entry(index, entry, namespace, substitutions)


def _leaves_root(path: Path, root_real: str) -> bool:
    """Whether `path` resolves outside the tree. The walk never enters a linked
    directory, so only a link at the file itself can lead out: one lstat, and a
    realpath only for links."""
    try:
        if not stat.S_ISLNK(os.lstat(path).st_mode):
            return False
    except OSError:
        return False  # gone or unreadable: the stat below reports it
    return _link_leaves_root(path, root_real)


def _link_leaves_root(path: Path, root_real: str) -> bool:
    real = os.path.realpath(path)
    return real != root_real and not real.startswith(root_real + os.sep)


def _yaml_files(root: Path, recursive: bool) -> Iterator[tuple[Path, bool]]:
    """Each *.yaml/*.yml file, and each symlinked directory (True: os.walk lists them
    among the directories and never enters them)."""
    for directory, subdirectories, files in os.walk(root, followlinks=False):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        if not recursive:
            subdirectories[:] = []
        for name in subdirectories:
            if os.path.islink(os.path.join(directory, name)):
                yield Path(directory) / name, True
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(YAML_SUFFIXES):
                yield Path(directory) / name, False


def _ref_name(ref: Mapping[str, Any] | None) -> str | None:
    """The name a chartRef looks up (`named` treats a non-string as no name)."""
    name = ref.get("name") if ref is not None else None
    return name if isinstance(name, str) else None


def _compatible(wanted: str | None, actual: str | None) -> bool:
    return wanted is None or actual is None or wanted == actual
