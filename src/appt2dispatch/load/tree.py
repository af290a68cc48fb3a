"""GitOps tree index: lookups by kind, name and path that parse only what they return.

The walk (`treewalk`) reads every file's text; a lookup finds the files that may
answer it by a substring scan and parses just those, with the fast parser
(`quickload`, plain data). The round-trip document of a file is parsed only when a
caller asks for it (`TreeIndex.document`). So reading one release out of a tree
of a thousand costs the files that release depends on, not the thousand.

Which manifests Flux applies together follows the tree: a Flux Kustomization
(kustomize.toolkit.fluxcd.io) applies `spec.path`; when that directory has a
kustomization.yaml, only what its `resources`/`components` reach (recursively),
plus the Flux Kustomization's own `spec.components`; without one, every manifest
under the path. A file no Flux Kustomization reaches is grouped with its
directory (its kustomization.yaml's reach, or the directory's files).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
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
from appt2dispatch.load.quickload import scan_documents, spec_paths
from appt2dispatch.load.textsearch import TextSearch
from appt2dispatch.load.treewalk import walk_tree
from appt2dispatch.load.yamlio import read_documents
from appt2dispatch.models import HelmRelease, Note, YamlDocument

__all__ = [
    "IndexedDocument",
    "ReleaseEntry",
    "TreeIndex",
    "discover_releases",
    "load_release_from_tree",
]

HELM_RELEASE_API = "helm.toolkit.fluxcd.io/"
FLUX_KUSTOMIZATION_API = "kustomize.toolkit.fluxcd.io/"
KUSTOMIZE_API = "kustomize.config.k8s.io/"
# A chartRef finds an OCIRepository of Flux's source API (a HelmRelease's own text
# says `kind: OCIRepository` in its chartRef: the API word tells them apart).
SOURCE_API = "source.toolkit.fluxcd.io/"


@dataclass(frozen=True)
class TreeIndex:
    """Every manifest file under `root`, parsed only when a lookup needs it.

    The walk keeps each file's text; a lookup picks the files it has to parse by a
    substring scan (`_candidates`): a document of kind K named N can only be in a file
    whose text holds both words, or one with a backslash (a double-quoted escape
    could spell them). So a lookup costs the files that may answer it, not the tree.

    `notes` are files skipped on purpose (too large, symlink leaving the root);
    `read_errors` files that could not be read. `errors` (and `documents`) parse the
    whole tree: for callers that need everything, not for lookups.
    """

    root: Path
    files: Mapping[str, str]
    """Absolute path -> the path as walked, in walk order."""
    texts: Mapping[str, str] = field(compare=False, repr=False)
    read_errors: tuple[InputError, ...] = ()
    notes: tuple[Note, ...] = ()
    _parsed: dict[str, tuple[IndexedDocument, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _parse_errors: dict[str, InputError] = field(default_factory=dict, compare=False, repr=False)
    _round_trip: dict[str, list[YamlDocument]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _reach_cache: dict[str, dict[str, str | None]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _memo: dict[tuple[str, Any], Any] = field(default_factory=dict, compare=False, repr=False)

    # --- parsing on demand -------------------------------------------------------------

    def documents_in(self, path: Path | str) -> tuple[IndexedDocument, ...]:
        """Plain documents of a walked file (parsed once); () for any other path."""
        key = os.path.abspath(path)
        found = self._parsed.get(key)
        if found is None:
            found = self._parsed[key] = self._parse(key)
        return found

    def _parse(self, key: str) -> tuple[IndexedDocument, ...]:
        text = self.texts.get(key)
        if text is None:
            return ()  # not a walked file, or unreadable (see read_errors)
        path = Path(self.files[key])
        try:
            scanned = scan_documents(text, source=str(path))
        except InputError as error:
            self._parse_errors[key] = error
            return ()
        return tuple(
            IndexedDocument(path, doc.index, doc.line, doc.column, doc.data)
            for doc in scanned
            if isinstance(doc.data, Mapping)
        )

    def path_of(self, key: str) -> Path:
        """A walked file's path as walked, from its absolute path."""
        return Path(self.files[key])

    def parse_error(self, path: Path | str) -> InputError | None:
        """Why a walked file could not be parsed (after `documents_in` asked for it)."""
        key = os.path.abspath(path)
        self.documents_in(key)
        return self._parse_errors.get(key)

    def candidate_files(self, *words: str, any_of: tuple[str, ...] = ()) -> list[str]:
        """Walked files (absolute paths, walk order) whose text holds every one of `words`
        and, when given, one of `any_of`: the only files a document with those strings
        in its values can be in, besides those with a backslash (an escape in a
        double-quoted scalar can spell any word), which are always returned."""
        return self._search.matching(words, any_of)

    @cached_property
    def _search(self) -> TextSearch:
        return TextSearch(self.texts)

    def _of_kind_in(self, keys: list[str], kind: str) -> list[IndexedDocument]:
        return [doc for key in keys for doc in self.documents_in(key) if doc.kind == kind]

    # --- collections (each parses only the files that may hold its kind) ---------------

    @cached_property
    def documents(self) -> tuple[IndexedDocument, ...]:
        """Every document of the tree: parses every file."""
        return tuple(doc for key in self.files for doc in self.documents_in(key))

    @cached_property
    def errors(self) -> tuple[InputError, ...]:
        """Files that could not be read or parsed: parses every file."""
        self.documents  # noqa: B018 - parses the rest, so every error is known
        parsed = tuple(self._parse_errors[key] for key in self.files if key in self._parse_errors)
        return self.read_errors + parsed

    @cached_property
    def helmreleases(self) -> tuple[ReleaseEntry, ...]:
        return self.helmreleases_in(self.candidate_files("HelmRelease"))

    def helmreleases_in(self, keys: list[str]) -> tuple[ReleaseEntry, ...]:
        """The Flux HelmReleases of the files `keys`, in order."""
        return tuple(
            ReleaseEntry(doc, self.document)
            for doc in self._of_kind_in(keys, "HelmRelease")
            if doc.api_version.startswith(HELM_RELEASE_API)
        )

    @cached_property
    def ocirepositories(self) -> tuple[IndexedDocument, ...]:
        return self.of_kind("OCIRepository")

    @cached_property
    def flux_kustomizations(self) -> tuple[IndexedDocument, ...]:
        return tuple(
            doc
            for doc in self.of_kind("Kustomization")
            if doc.api_version.startswith(FLUX_KUSTOMIZATION_API)
            and not self._is_patch_file(os.path.abspath(doc.path))
        )

    @cached_property
    def kustomize_files(self) -> tuple[IndexedDocument, ...]:
        """kustomization.yaml documents (kustomize Kustomization or Component)."""
        return tuple(doc for key in self._kustomize_keys for doc in self._kustomize_docs(key))

    @cached_property
    def _kustomize_keys(self) -> tuple[str, ...]:
        return tuple(key for key in self.files if os.path.basename(key) in KUSTOMIZATION_FILES)

    def _kustomize_docs(self, key: str) -> list[IndexedDocument]:
        return [doc for doc in self.documents_in(key) if doc.api_version.startswith(KUSTOMIZE_API)]

    def kustomize_files_naming(
        self, target: str, among: frozenset[str] | None = None
    ) -> list[IndexedDocument]:
        """kustomization.yaml documents that may list `target` (a file, or the directory
        of a kustomization file) by a relative path: every name on the way from their
        directory to it is in their text, since normalising a path only drops names.
        `among` restricts the files looked at."""
        if os.path.basename(target) in KUSTOMIZATION_FILES:
            target = os.path.dirname(target)  # listed by its directory
        holding_name = self._search.holding(os.path.basename(target)) | self._search.escaped
        below = target + os.sep
        return [
            doc
            for key in self._kustomize_keys
            if (among is None or key in among)
            and (
                (directory := os.path.dirname(key)) == target
                or directory.startswith(below)  # `..` alone reaches it: no name to look for
                or (key in holding_name and self._names_written(key, directory, target))
            )
            for doc in self._kustomize_docs(key)
        ]

    def _names_written(self, key: str, directory: str, target: str) -> bool:
        """Whether every name of `target` below what it shares with `directory` is in
        the text of `key` (an escape may spell any: see `candidate_files`)."""
        if key in self._search.escaped:
            return True
        wanted, here = target.split(os.sep), directory.split(os.sep)
        shared = 0
        for mine, theirs in zip(wanted, here, strict=False):
            if mine != theirs:
                break
            shared += 1
        text = self.texts[key]
        return all(name in text for name in wanted[shared:])

    def _is_patch_file(self, key: str) -> bool:
        """Whether a kustomization.yaml uses the file as a patch or replacement: a Flux
        Kustomization in one is a patch body, not an object Flux applies."""
        memo_key = ("patch-file", key)
        if memo_key not in self._memo:
            # A kustomization.yaml that names patch files holds "patch" or "replacements".
            holding = self._search.holding
            users = holding("patch") | holding("replacements") | self._search.escaped
            self._memo[memo_key] = any(
                key in _patch_paths(doc) for doc in self.kustomize_files_naming(key, users)
            )
        found: bool = self._memo[memo_key]
        return found

    @cached_property
    def secrets(self) -> tuple[IndexedDocument, ...]:
        """ExternalSecrets, Secrets and ConfigMaps (what envFrom and valuesFrom read)."""
        kinds = ("ExternalSecret", "Secret", "ConfigMap")
        keys = self.candidate_files(any_of=("Secret", "ConfigMap"))
        return tuple(doc for key in keys for doc in self.documents_in(key) if doc.kind in kinds)

    def of_kind(self, kind: str) -> tuple[IndexedDocument, ...]:
        memo_key = ("of-kind", kind)
        if memo_key not in self._memo:
            self._memo[memo_key] = tuple(self._of_kind_in(self.candidate_files(kind), kind))
        found: tuple[IndexedDocument, ...] = self._memo[memo_key]
        return found

    def named(self, kind: str, name: str | None, api: str = "") -> tuple[IndexedDocument, ...]:
        """Documents of `kind` whose metadata.name is `name` (and apiVersion starts with
        `api`), in walk order."""
        memo_key = ("named", (kind, name, api))
        if memo_key not in self._memo:
            words = tuple(word for word in (kind, name, api) if word)
            self._memo[memo_key] = tuple(
                doc
                for doc in self._of_kind_in(self.candidate_files(*words), kind)
                if doc.name == name and doc.api_version.startswith(api)
            )
        found: tuple[IndexedDocument, ...] = self._memo[memo_key]
        return found

    def documents_near(self, path: Path) -> list[IndexedDocument]:
        """Documents applied with `path` or in its directory (its own file included)."""
        directory = os.path.dirname(os.path.abspath(path))
        files = dict.fromkeys(self.reachable(path))
        files.update(dict.fromkeys(self._files_in(directory, recursive=False)))
        return [doc for file in files for doc in self.documents_in(file)]

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
        if not self._inside_root(directory):
            return ()  # spec.path resolves inside the root only
        while True:
            found = tuple(
                kustomization
                for kustomization in self._flux_at(directory)
                if target in self._flux_reach(kustomization, directory)
            )
            if found:
                return found
            parent = os.path.dirname(directory)
            if parent == directory or not self._inside_root(parent):
                return ()
            directory = parent

    def _flux_at(self, directory: str) -> tuple[IndexedDocument, ...]:
        """Flux Kustomizations whose spec.path is `directory`. Their text holds every name
        of the directory's path from the root (spec.path may add the root's own last
        names before them); of those files, only the ones whose spec.path may be it
        (`spec_paths`, no documents built) are parsed."""
        memo_key = ("flux-at", directory)
        if memo_key not in self._memo:
            root = os.path.abspath(self.root)
            relative = "" if directory == root else os.path.relpath(directory, root)
            names = tuple(part for part in relative.split(os.sep) if part)
            accepts = _spec_path_test(Path(root).parts, names)
            keys = [
                key
                for key in self.candidate_files(FLUX_KUSTOMIZATION_API, *names)
                if key in self._parsed or self._may_apply(key, accepts)
            ]
            self._memo[memo_key] = tuple(
                doc
                for doc in self._of_kind_in(keys, "Kustomization")
                if doc.api_version.startswith(FLUX_KUSTOMIZATION_API)
                and self.flux_path(doc) == directory
                and not self._is_patch_file(os.path.abspath(doc.path))
            )
        found: tuple[IndexedDocument, ...] = self._memo[memo_key]
        return found

    def _may_apply(self, key: str, accepts: Callable[[Any], bool]) -> bool:
        memo_key = ("spec-paths", key)
        if memo_key not in self._memo:
            self._memo[memo_key] = spec_paths(self.texts[key])
        paths: list[Any] | None = self._memo[memo_key]
        return paths is None or any(accepts(path) for path in paths)

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
            elif self._inside_root(target) and (target in self.files or os.path.isfile(target)):
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
        """Walked files per directory, in walk order (a directory's files are contiguous
        in it): per-directory lookups stay linear in a large tree."""
        grouped: dict[str, list[str]] = {}
        for path in self.files:
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
            for doc in self.named(
                "OCIRepository", name if isinstance(name, str) else None, SOURCE_API
            )
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
        releases = (
            self.helmreleases_in(self.candidate_files("HelmRelease", target.name))
            if target.name
            else self.helmreleases
        )
        return [
            entry
            for entry in releases
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
    """Walk `root` (see `treewalk`) and index its files; nothing is parsed until a
    lookup needs it."""
    walked = walk_tree(root, recursive=recursive)
    return TreeIndex(root, walked.files, walked.texts, walked.errors, walked.notes)


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


def _patch_paths(doc: IndexedDocument) -> set[str]:
    """Absolute paths a kustomization.yaml names as patches or replacements."""
    directory = os.path.dirname(os.path.abspath(doc.path))
    found: set[str] = set()
    for key in ("patches", "patchesJson6902", "replacements", "patchesStrategicMerge"):
        entries = doc.data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            path = entry.get("path") if isinstance(entry, Mapping) else entry
            if isinstance(path, str) and "\n" not in path:
                found.add(os.path.normpath(os.path.join(directory, path)))
    return found


def _spec_path_test(root_parts: tuple[str, ...], names: tuple[str, ...]) -> Callable[[Any], bool]:
    """Whether a spec.path value may resolve to the directory `names` below the root, as
    `resolve_flux_path` resolves it (leading names may be the root's own last ones).
    Loose on purpose: the full parse and `flux_path` decide."""

    def accepts(value: Any) -> bool:
        parts = tuple(p for p in Path(str(value or ".")).parts if p not in (".", "/"))
        extra = len(parts) - len(names)
        return (
            extra >= 0
            and parts[extra:] == names
            and (extra == 0 or parts[:extra] == root_parts[-extra:])
        )

    return accepts


def _ref_name(ref: Mapping[str, Any] | None) -> str | None:
    """The name a chartRef looks up (`named` treats a non-string as no name)."""
    name = ref.get("name") if ref is not None else None
    return name if isinstance(name, str) else None


def _compatible(wanted: str | None, actual: str | None) -> bool:
    return wanted is None or actual is None or wanted == actual
