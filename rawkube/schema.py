"""Group/version/kind/resource names (client-go `apimachinery/pkg/runtime/schema`)."""

from __future__ import annotations

from typing import NamedTuple


class GroupVersion(NamedTuple):
    group: str
    version: str

    def __str__(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        """The apiVersion string ("v1", "apps/v1")."""
        return str(self)

    @property
    def path(self) -> str:
        """The URL prefix: /api/v1 for the core group, else /apis/{group}/{version}."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    @classmethod
    def parse(cls, api_version: str) -> GroupVersion:
        group, _, version = api_version.rpartition("/")
        return cls(group, version)


class GroupVersionResource(NamedTuple):
    group: str
    version: str
    resource: str

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    def __str__(self) -> str:
        return f"{self.group_version}, Resource={self.resource}"


class GroupVersionKind(NamedTuple):
    group: str
    version: str
    kind: str

    @property
    def group_version(self) -> GroupVersion:
        return GroupVersion(self.group, self.version)

    @classmethod
    def from_api_version_kind(cls, api_version: str, kind: str) -> GroupVersionKind:
        gv = GroupVersion.parse(api_version)
        return cls(gv.group, gv.version, kind)

    def __str__(self) -> str:
        return f"{self.group_version}, Kind={self.kind}"
