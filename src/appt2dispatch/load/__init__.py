"""Load stage: read YAML safely and apply Flux's semantics to a HelmRelease.

Public API (see each module for details):

- yamlio: `read_documents`, `read_documents_text`, `to_plain`, `line_of`, `locate`,
  `new_round_trip_yaml`, `MAX_FILE_BYTES`, `MAX_EXPANDED_NODES`
- release: `load_release`, `select_release`, `release_ocirepository`
- tree: `discover_releases`, `load_release_from_tree`, `TreeIndex`, `ReleaseEntry`,
  `IndexedDocument`
- secrets: `envfrom_secret_keys`
- flux: `release_name`, `substitute_text`, `compose_values`
"""

from appt2dispatch.load.flux import compose_values, release_name, substitute_text
from appt2dispatch.load.release import load_release, release_ocirepository, select_release
from appt2dispatch.load.secrets import envfrom_secret_keys
from appt2dispatch.load.tree import (
    IndexedDocument,
    ReleaseEntry,
    TreeIndex,
    discover_releases,
    load_release_from_tree,
)
from appt2dispatch.load.yamlio import (
    MAX_EXPANDED_NODES,
    MAX_FILE_BYTES,
    line_of,
    locate,
    new_round_trip_yaml,
    read_documents,
    read_documents_text,
    to_plain,
)

__all__ = [
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "IndexedDocument",
    "ReleaseEntry",
    "TreeIndex",
    "compose_values",
    "discover_releases",
    "envfrom_secret_keys",
    "line_of",
    "load_release",
    "load_release_from_tree",
    "locate",
    "new_round_trip_yaml",
    "read_documents",
    "read_documents_text",
    "release_name",
    "release_ocirepository",
    "select_release",
    "substitute_text",
    "to_plain",
]
