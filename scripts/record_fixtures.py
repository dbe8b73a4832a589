"""Record the fixtures shipped in `fixtures/`: the seed's flow (typed and dynamic) and discovery.

    python scripts/record_fixtures.py                  # against a fresh LocalAPIServer
    python scripts/record_fixtures.py --kubeconfig ~/.kube/config --context kind-dev

Each flow runs on a Config whose transport is wrapped by a `rawkube.testing.Recorder`, and
its file is written when the flow completes. The flows return what a caller observes, so
the tests can replay a file and check that the results are identical to the live run.
Re-running against a LocalAPIServer gives the same requests (uids, timestamps and
resourceVersions in the answers differ from run to run).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rawkube.config.types import Config  # noqa: E402
from rawkube.testing.recorder import Recorder  # noqa: E402

NAMESPACE = "default"
NAME = "demo-deployment"
LABELS = {"app": "demo"}
# Watch long enough to see our own update; the watch also ends at the server's timeout.
WATCH_TIMEOUT_SECONDS = 5


def deployment_manifest(replicas: int = 2) -> dict[str, Any]:
    """The seed's Deployment (one nginx container), as a plain manifest."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": dict(LABELS)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(LABELS)},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    }


def _until_replicas(events: Any, replicas: int) -> list[tuple[str, Any]]:
    """Read watch events until our update shows up (or the server ends the watch)."""
    seen: list[tuple[str, Any]] = []
    for event in events:
        seen.append((event.type, event.raw.get("object")))
        obj = event.raw.get("object") or {}
        if event.type == "MODIFIED" and obj.get("spec", {}).get("replicas") == replicas:
            break
    return seen


def seed_flow_typed(config: Config) -> list[tuple[str, Any]]:
    """create, get, update (retry on conflict), list, watch, delete(Foreground) with Clientset."""
    from rawkube import Clientset
    from rawkube.models.apps_v1 import Deployment
    from rawkube.retry import DEFAULT_RETRY, retry_on_conflict

    results: list[tuple[str, Any]] = []
    cs = Clientset(config)
    deployments = cs.apps_v1().deployments(NAMESPACE)
    created = deployments.create(Deployment.from_dict(deployment_manifest()))
    results.append(("create", created.to_dict()))
    results.append(("get", deployments.get(NAME).to_dict()))

    def scale_to_three() -> Any:
        current = deployments.get(NAME)
        assert current.spec is not None
        current.spec.replicas = 3
        return deployments.update(current)

    # Controllers write status concurrently: client-go's answer is RetryOnConflict.
    updated = retry_on_conflict(DEFAULT_RETRY, scale_to_three)
    results.append(("update", updated.to_dict()))
    listed = deployments.list(label_selector="app=demo")
    results.append(("list", [item.to_dict() for item in listed.items]))
    assert created.metadata is not None
    watch = deployments.watch(
        resource_version=created.metadata.resource_version, timeout_seconds=WATCH_TIMEOUT_SECONDS
    )
    with watch:
        results.append(("watch", _until_replicas(watch, 3)))
    deleted = deployments.delete(NAME, propagation_policy="Foreground")
    results.append(("delete", deleted if isinstance(deleted, dict) else deleted.to_dict()))
    return results


def seed_flow_dynamic(config: Config) -> list[tuple[str, Any]]:
    """The same flow with DynamicClient over plain dicts."""
    from rawkube import DynamicClient, GroupVersionResource
    from rawkube.retry import DEFAULT_RETRY, retry_on_conflict

    results: list[tuple[str, Any]] = []
    dyn = DynamicClient(config)
    deployments = dyn.resource(GroupVersionResource("apps", "v1", "deployments")).namespace(
        NAMESPACE
    )
    created = deployments.create(deployment_manifest())
    results.append(("create", dict(created)))
    results.append(("get", dict(deployments.get(NAME))))

    def scale_to_three() -> Any:
        current = deployments.get(NAME)
        current["spec"]["replicas"] = 3
        return deployments.update(current)

    updated = retry_on_conflict(DEFAULT_RETRY, scale_to_three)
    results.append(("update", dict(updated)))
    listed = deployments.list(label_selector="app=demo")
    results.append(("list", [dict(item) for item in listed["items"]]))
    watch = deployments.watch(
        resource_version=created["metadata"]["resourceVersion"],
        timeout_seconds=WATCH_TIMEOUT_SECONDS,
    )
    with watch:
        results.append(("watch", _until_replicas(watch, 3)))
    results.append(("delete", dict(deployments.delete(NAME, propagation_policy="Foreground"))))
    return results


def discovery_flow(config: Config) -> list[tuple[str, Any]]:
    """What `kubectl api-resources` asks first: version, groups, one group's resources."""
    from rawkube import DiscoveryClient

    disc = DiscoveryClient(config)
    return [
        ("version", disc.server_version()),
        ("groups", disc.server_groups()),
        ("apps/v1", disc.server_resources_for_group_version("apps/v1")),
    ]


FLOWS: dict[str, Callable[[Config], list[tuple[str, Any]]]] = {
    "seed-flow-typed.yaml": seed_flow_typed,
    "seed-flow-dynamic.yaml": seed_flow_dynamic,
    "discovery.yaml": discovery_flow,
}


def record_flow(
    flow: Callable[[Config], list[tuple[str, Any]]], config: Config, path: Path | None
) -> tuple[list[tuple[str, Any]], Recorder]:
    """Run `flow` on `config` with a recorder around its transport; save to `path` if given."""
    recorder = Recorder(path, secrets=[config.bearer_token, config.password])
    results = flow(recorder.config(config))
    if path is not None:
        recorder.save()
    return results, recorder


@contextmanager
def _target(args: argparse.Namespace) -> Iterator[Config]:
    if args.kubeconfig or args.context:
        from rawkube import load_config

        yield load_config(kubeconfig=args.kubeconfig, context=args.context)
        return
    from rawkube.testing import LocalAPIServer

    with LocalAPIServer() as server:
        yield server.config()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "fixtures")
    parser.add_argument("--kubeconfig", help="record against this cluster, not a LocalAPIServer")
    parser.add_argument("--context")
    parser.add_argument("flows", nargs="*", choices=[[], *FLOWS], help="default: all")
    args = parser.parse_args(argv)
    for name in args.flows or list(FLOWS):
        # One server per flow: every recording starts from the same empty cluster.
        with _target(args) as config:
            _, recorder = record_flow(FLOWS[name], config, args.out / name)
        print(f"{args.out / name}: {len(recorder.exchanges)} exchanges")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
