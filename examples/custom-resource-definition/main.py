"""Define a custom resource (CRD), then create, read, update and delete one with no generated code.

Mirrors what client-go's apiextensions examples and `kubectl` do:

1. create the CustomResourceDefinition `widgets.example.com` with the typed apiextensions/v1
   client, and wait until the server reports it `Established`;
2. find the new resource through discovery (the RESTMapper maps kind Widget -> widgets,
   re-reading discovery because the group is new);
3. use the dynamic client on it: create, get, update the status subresource, list, delete;
4. delete the CRD.

    python examples/custom-resource-definition/main.py [--kubeconfig PATH]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rawkube import Clientset, DiscoveryClient, DynamicClient, GroupVersionKind, load_config
from rawkube.errors import NotFound
from rawkube.tools.wait import wait_for

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "shortNames": ["wd"],
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "size": {"type": "integer"},
                                    "color": {"type": "string"},
                                },
                            },
                            "status": {
                                "type": "object",
                                "properties": {"phase": {"type": "string"}},
                            },
                        },
                    }
                },
            }
        ],
    },
}


def gone(client: Any, name: str) -> bool:
    """True once GET answers 404 Not Found."""
    try:
        client.get(name)
    except NotFound:
        return True
    return False


def established(crd: Any) -> bool:
    conditions = (crd.status.conditions if crd.status else None) or []
    return any(c.type == "Established" and c.status == "True" for c in conditions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", help="absolute path to the kubeconfig file")
    parser.add_argument("--namespace", default="default")
    args = parser.parse_args(argv)

    config = load_config(kubeconfig=args.kubeconfig)
    crds = Clientset(config).apiextensions_v1().custom_resource_definitions()

    print("Creating CustomResourceDefinition widgets.example.com...")
    crds.create(CRD)
    wait_for(lambda: established(crds.get("widgets.example.com")), timeout=30, interval=0.2)
    print("CRD is Established.")

    # Discovery now lists example.com/v1; the mapper turns the kind into its resource.
    mapper = DiscoveryClient(config).rest_mapper()
    mapping = mapper.rest_mapping(GroupVersionKind("example.com", "v1", "Widget"))
    print(f"Kind Widget is served as resource {mapping.resource.resource!r} ({mapping.scope})")

    widgets = DynamicClient(config).resource(mapping.resource).namespace(args.namespace)
    widget = widgets.create(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w1"},
            "spec": {"size": 3, "color": "red"},
        }
    )
    print(f"Created widget {widget.name!r} (size {widget.nested_int64('spec', 'size')[0]})")

    widget = widgets.get("w1")
    widget.set_nested_field("Ready", "status", "phase")
    widget = widgets.update_status(widget)  # PUT .../widgets/w1/status
    print(f"Widget status: {widget.nested_string('status', 'phase')[0]}")

    names = [w.name for w in widgets.list()["items"]]
    print(f"Widgets in {args.namespace!r}: {', '.join(names)}")

    widgets.delete("w1")
    print("Deleted widget w1.")
    # Deleting a CRD is not instant: the server first deletes every object of the kind (the
    # customresourcecleanup finalizer). Wait until it is gone, so a new run can create it again.
    crds.delete("widgets.example.com")
    wait_for(lambda: gone(crds, "widgets.example.com"), timeout=60, interval=0.2)
    print("Deleted CRD widgets.example.com.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
