"""`rawkube demo`: client-go's create-update-delete-deployment example, narrated.

The steps follow the seed write-up (and client-go's examples/create-update-delete-deployment):

1. load the configuration (clientcmd.BuildConfigFromFlags), or start the embedded API server;
2. ask the DiscoveryClient what the server serves;
3. create a Deployment with the typed Clientset while a Pod watch runs (`kubectl get pod --watch`);
4. update it under RetryOnConflict, with a second writer forcing one real 409 Conflict;
5. list Deployments, typed and through the DynamicClient (plain dicts);
6. delete it with a propagation policy and watch its Pods terminate.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from rawkube.cli.common import age, config_from_args
from rawkube.config.types import Config
from rawkube.errors import EmptyConfigError, NotFound, StatusError, is_conflict

T = TypeVar("T")

POLL_SECONDS = 0.2


class Narrator:
    """Prints the steps; a lock keeps the watcher thread's lines whole."""

    def __init__(self, total: int, out: Any = None) -> None:
        self.total = total
        self.step_no = 0
        self.out = out or sys.stdout
        self.lock = threading.Lock()

    def step(self, title: str) -> None:
        self.step_no += 1
        self.say(f"\n[{self.step_no}/{self.total}] {title}", indent="")

    def say(self, text: str, indent: str = "    ") -> None:
        with self.lock:
            print(f"{indent}{text}", file=self.out, flush=True)


@contextlib.contextmanager
def _cluster(args: argparse.Namespace, say: Narrator) -> Iterator[Config]:
    """The configured cluster, or the embedded LocalAPIServer when none is configured."""
    if not args.local:
        try:
            cfg = config_from_args(args)
        except EmptyConfigError as err:  # a kubeconfig that exists but is wrong is reported
            explicit = args.kubeconfig or args.context or args.master_url
            if explicit:
                raise
            say.say("no cluster is configured:")
            for line in str(err).splitlines()[:6]:
                say.say(f"  {line}")
        else:
            where = f" (context {cfg.context_name!r})" if cfg.context_name else ""
            from rawkube.config.types import redact_url

            say.say(f"using the configured cluster {redact_url(cfg.host)}{where}")
            yield cfg
            return
    from rawkube.testing import LocalAPIServer

    say.say("starting the embedded local API server (rawkube.testing.LocalAPIServer) ...")
    with LocalAPIServer() as server:
        cfg = server.config()
        if args.namespace:
            cfg = cfg.copy(namespace=args.namespace)
        say.say(f"serving HTTPS on {cfg.host}, client certificate issued by its own CA")
        yield cfg


def _wait(what: str, check: Callable[[], T | None], timeout: float) -> T:
    """Poll `check` until it returns something truthy; bounded by `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(POLL_SECONDS)


def _pod_row(pod: Any) -> list[str]:
    """NAME READY STATUS RESTARTS AGE, as `kubectl get pod` prints them."""
    meta = pod.metadata
    status = pod.status
    containers = pod.spec.containers if pod.spec and pod.spec.containers else []
    statuses = (status.container_statuses if status else None) or []
    ready = sum(1 for cs in statuses if cs.ready)
    restarts = sum(cs.restart_count or 0 for cs in statuses)
    phase = (status.phase if status else None) or "Unknown"
    if meta.deletion_timestamp:
        phase = "Terminating"
    return [
        meta.name or "",
        f"{ready}/{len(containers)}",
        phase,
        str(restarts),
        age(meta.creation_timestamp),
    ]


class PodWatcher:
    """`kubectl get pod --watch -l app=<name>` in a background thread."""

    COLUMNS = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    WIDTHS = [36, 7, 13, 10, 5]

    def __init__(self, pods: Any, selector: str, say: Narrator) -> None:
        self.pods = pods
        self.selector = selector
        self.say = say
        self.seen: dict[str, str] = {}
        self.events = 0
        self._watch: Any = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rawkube-demo-watch", daemon=True)

    def _line(self, cells: list[str], event: str = "") -> str:
        text = "".join(c.ljust(w) for c, w in zip(cells, self.WIDTHS, strict=False))
        return f"{text}{event}".rstrip()

    def start(self) -> None:
        listed = self.pods.list(label_selector=self.selector)
        self.say.say(self._line(self.COLUMNS, "EVENT"), indent="      ")
        for pod in listed.items or []:
            self.say.say(self._line(_pod_row(pod), "(listed)"), indent="      ")
        self._watch = self.pods.watch(
            label_selector=self.selector,
            resource_version=listed.metadata.resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=600,
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            for event in self._watch:
                if self._stopped.is_set():
                    break
                if event.type == "BOOKMARK":
                    continue
                self.events += 1
                row = _pod_row(event.object)
                self.seen[row[0]] = event.type if event.type == "DELETED" else row[2]
                self.say.say(self._line(row, event.type), indent="      ")
        except Exception as err:  # the demo goes on; say why the watch ended
            if not self._stopped.is_set():
                self.say.say(f"(pod watch ended: {err})", indent="      ")

    def stop(self) -> None:
        self._stopped.set()
        if self._watch is not None:
            with contextlib.suppress(Exception):
                self._watch.stop()
        self._thread.join(timeout=5)


def _deployment(name: str, replicas: int, image: str) -> Any:
    """The seed's Deployment, built from typed models (apps/v1, core/v1, meta/v1).

    Its Pods are labelled `app=<name>` (the seed's `app: demo` was the same for every name, so
    `--name d3` counted and waited for another Deployment's Pods).
    """
    from rawkube.models.apps_v1 import Deployment, DeploymentSpec
    from rawkube.models.core_v1 import Container, ContainerPort, PodSpec, PodTemplateSpec
    from rawkube.models.meta_v1 import LabelSelector, ObjectMeta

    return Deployment(
        metadata=ObjectMeta(name=name),
        spec=DeploymentSpec(
            replicas=replicas,
            selector=LabelSelector(match_labels={"app": name}),
            template=PodTemplateSpec(
                metadata=ObjectMeta(labels={"app": name}),
                spec=PodSpec(
                    containers=[
                        Container(
                            name="web",
                            image=image,
                            ports=[ContainerPort(name="http", protocol="TCP", container_port=80)],
                        )
                    ]
                ),
            ),
        ),
    )


HELP = "walk through client-go's examples: create, watch, update, list, delete"
DESCRIPTION = (
    "The seed walkthrough end to end: create a Deployment, watch its Pods appear, update it "
    "under RetryOnConflict, list, delete it with a propagation policy and watch the Pods "
    "terminate. Uses the configured cluster if there is one, else starts the embedded local "
    "API server."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", default="demo-deployment", help="name of the Deployment to create")
    p.add_argument(
        "--propagation-policy",
        choices=["Foreground", "Background", "Orphan"],
        default="Foreground",
        help="how the Deployment's dependents are deleted (default: Foreground)",
    )
    p.add_argument("--local", action="store_true", help="always use the embedded local API server")
    p.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for each step (default 60)"
    )


def run(args: argparse.Namespace) -> int:
    return run_demo(args)


def run_demo(args: argparse.Namespace) -> int:
    say = Narrator(total=7)
    print("rawkube demo: client-go's create-update-delete-deployment example, in Python")
    say.step("Load the configuration (clientcmd.BuildConfigFromFlags + default loading rules)")
    with _cluster(args, say) as cfg:
        return _walkthrough(args, cfg, say)


def _walkthrough(args: argparse.Namespace, cfg: Config, say: Narrator) -> int:
    from rawkube.discovery.client import DiscoveryClient
    from rawkube.dynamic import DynamicClient
    from rawkube.retry import DEFAULT_RETRY, retry_on_conflict
    from rawkube.schema import GroupVersionKind, GroupVersionResource
    from rawkube.typed.clientset import Clientset

    namespace = args.namespace or cfg.namespace or "default"
    name = args.name
    selector = f"app={name}"  # the label of this Deployment's Pods (see _deployment)
    timeout = args.timeout

    say.step("Discovery (DiscoveryClient): what does this server serve?")
    disc = DiscoveryClient(cfg)
    version = disc.server_version()
    groups = disc.server_groups()
    group_names = [g["name"] for g in groups.get("groups", []) if g.get("name")]
    say.say(
        f"server {version.get('gitVersion')} ({version.get('platform', '')}), "
        f"{len(group_names) + 1} API groups: core, {', '.join(group_names[:6])}, ..."
    )
    mapping = disc.rest_mapper().rest_mapping(GroupVersionKind("apps", "v1", "Deployment"))
    scope = "namespaced" if mapping.namespaced else "cluster-scoped"
    say.say(
        f"RESTMapper: kind apps/v1 Deployment -> resource {mapping.resource.resource!r} ({scope})"
    )

    cs = Clientset(cfg)
    deployments = cs.apps_v1().deployments(namespace)
    pods = cs.core_v1().pods(namespace)
    try:
        existing = deployments.get(name)
    except NotFound:
        existing = None
    if existing is not None:
        say.say(
            f"a Deployment {name!r} already exists in namespace {namespace!r}: the demo will not "
            "touch what you own. Pass --name to use another name."
        )
        return 1

    say.step(
        f"Create Deployment {name!r} in {namespace!r} (Clientset.AppsV1().Deployments(ns).Create)"
    )
    say.say(f"the Pod watch (kubectl get pod --watch -l {selector}) starts first:")
    watcher = PodWatcher(pods, selector, say)
    watcher.start()
    created = None
    deleted = False
    try:
        created = deployments.create(_deployment(name, replicas=2, image="nginx:1.12"))
        say.say(
            f"created deployment.apps/{created.metadata.name} "
            f"(uid {created.metadata.uid}, resourceVersion {created.metadata.resource_version})"
        )
        ready = _wait_for_pods(pods, selector, 2, timeout, say)
        say.say(f"{ready} of 2 Pods Running")

        say.step("Update under RetryOnConflict: replicas 2 -> 1, image nginx:1.12 -> nginx:1.13")
        _update_with_conflict(
            deployments, DynamicClient(cfg), namespace, name, say, retry_on_conflict, DEFAULT_RETRY
        )
        _wait_for_rollout(deployments, name, "nginx:1.13", timeout, say)

        say.step("List Deployments: typed (Clientset) and unstructured (DynamicClient)")
        for d in deployments.list().items or []:
            say.say(
                f"typed:   {d.metadata.name}  replicas={d.spec.replicas}  "
                f"image={d.spec.template.spec.containers[0].image}"
            )
        gvr = GroupVersionResource("apps", "v1", "deployments")
        dyn_list = DynamicClient(cfg).resource(gvr).namespace(namespace).list()
        for item in dyn_list["items"]:
            spec = item["spec"]
            say.say(
                f"dynamic: {item['metadata']['name']}  replicas={spec['replicas']}  "
                f"image={spec['template']['spec']['containers'][0]['image']}  (a plain dict)"
            )

        policy = args.propagation_policy
        say.step(f"Delete with propagationPolicy={policy} and watch the Pods terminate")
        deployments.delete(name, propagation_policy=policy)
        deleted = True
        say.say(f"delete accepted: deployment.apps/{name} (propagationPolicy={policy})")
        _wait(f"deployment {name} to be gone", lambda: _gone(deployments, name), timeout)
        say.say(f"deployment.apps/{name} is gone")
        if policy == "Orphan":
            say.say("Orphan: its ReplicaSet and Pods are kept (their ownerReferences removed)")
        else:
            _wait(
                "the Pods to be gone",
                lambda: not pods.list(label_selector=selector).items,
                timeout,
            )
            say.say("all its Pods are gone")
    except BaseException:  # Ctrl-C or an error: leave nothing behind that the next run refuses
        if created is not None and not deleted:
            _clean_up(deployments, name, say)
        raise
    finally:
        time.sleep(0.3)  # let the last watch events arrive before the watch stops
        watcher.stop()

    say.step("Done")
    say.say(
        f"the Pod watch saw {watcher.events} events; every step above was one or more HTTP "
        "requests: run with -v 6 (or 8, 9) to see them"
    )
    return 0


def _clean_up(deployments: Any, name: str, say: Narrator) -> None:
    """Delete the Deployment this run created, when it stops before its own delete step."""
    try:
        deployments.delete(name, propagation_policy="Background")
    except Exception as err:
        say.say(
            f"could not delete deployment.apps/{name} ({err}): kubectl delete deployment {name}"
        )
    else:
        say.say(f"cleaned up: deleted deployment.apps/{name}, which this run created")


def _gone(deployments: Any, name: str) -> bool:
    try:
        deployments.get(name)
    except NotFound:
        return True
    return False


def _running_pods(pods: Any, selector: str) -> int:
    items = pods.list(label_selector=selector).items or []
    return sum(
        1
        for p in items
        if p.status and p.status.phase == "Running" and not p.metadata.deletion_timestamp
    )


def _wait_for_pods(pods: Any, selector: str, want: int, timeout: float, say: Narrator) -> int:
    try:
        _wait(f"{want} Pods Running", lambda: _running_pods(pods, selector) >= want, timeout)
    except TimeoutError:
        say.say("Pods are not Running yet (a cluster without nodes keeps them Pending); going on")
    return _running_pods(pods, selector)


def _wait_for_rollout(
    deployments: Any, name: str, image: str, timeout: float, say: Narrator
) -> None:
    def rolled_out() -> bool:
        d = deployments.get(name)
        st = d.status
        return bool(
            st
            and (st.observed_generation or 0) >= (d.metadata.generation or 0)
            and (st.updated_replicas or 0) == d.spec.replicas
            and (st.replicas or 0) == d.spec.replicas
        )

    try:
        _wait("the rollout to finish", rolled_out, timeout)
        say.say(f"rollout finished: 1 replica of {image}")
    except TimeoutError:
        say.say(
            "the rollout has not finished yet (a cluster without nodes cannot run Pods); going on"
        )


def _update_with_conflict(
    deployments: Any,
    dynamic: Any,
    namespace: str,
    name: str,
    say: Narrator,
    retry_on_conflict: Callable[..., Any],
    backoff: Any,
) -> None:
    """retry.RetryOnConflict(retry.DefaultRetry, func() error { get; modify; update })

    On the first attempt another writer (the DynamicClient, standing in for another program)
    changes the Deployment between our GET and our PUT, so the PUT carries a stale
    resourceVersion and the server answers 409 Conflict: exactly what RetryOnConflict is for.
    """
    from rawkube.schema import GroupVersionResource

    attempts = 0
    other = dynamic.resource(GroupVersionResource("apps", "v1", "deployments")).namespace(namespace)

    def update() -> None:
        nonlocal attempts
        attempts += 1
        result = deployments.get(name)
        say.say(f"attempt {attempts}: GET resourceVersion {result.metadata.resource_version}")
        if attempts == 1:
            other.patch(
                name,
                {"metadata": {"annotations": {"rawkube.demo/other-writer": "was here"}}},
                patch_type="merge",
            )
            say.say(
                "          meanwhile another writer patched the Deployment (its resourceVersion moved on)"
            )
        result.spec.replicas = 1
        result.spec.template.spec.containers[0].image = "nginx:1.13"
        try:
            updated = deployments.update(result)
        except StatusError as err:
            if is_conflict(err):
                say.say(f"          PUT -> 409 Conflict: {err.message}")
                say.say("          RetryOnConflict backs off and tries again")
            raise
        say.say(
            f"          PUT -> 200 OK, resourceVersion {updated.metadata.resource_version}, "
            f"generation {updated.metadata.generation}"
        )

    retry_on_conflict(backoff, update)
    say.say(f"updated in {attempts} attempts; the other writer's annotation was kept")
