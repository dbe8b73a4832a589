"""The apiextensions-apiserver part of the LocalAPIServer: CustomResourceDefinitions.

* `schema`: structural schemas of custom resources (validate, prune, default, list types);
* `formats`: the string formats a schema may check;
* `cel`: x-kubernetes-validations rules (a CEL interpreter for Kubernetes' dialect);
* `customresource`: one CRD version's serving machinery (decode, strategy, scale);
* `crd`: validation of CustomResourceDefinitions themselves;
* `publish`: the CRD schemas in /openapi/v2 and /openapi/v3.
"""
