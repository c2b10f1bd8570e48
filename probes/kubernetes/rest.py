"""The probe's reads (LIST, WATCH, GET /version) as plain GETs through the client's ApiClient.

The official client's generated API classes (`CoreV1Api`, `AppsV1Api`) import, at once, the
pydantic model of every object they can return: ~280 modules, ~26 MB of a console's memory,
for replies the probe never deserializes (it reads their JSON, `probes.kubernetes.watch`). A
read here is what the generated method does with `_preload_content=False`: the same
`ApiClient.param_serialize` (the kubeconfig's credentials, headers and query encoding) and
`call_api` (its pool, TLS and timeouts), and a non-2xx reply raised as the same
`ApiException`, which `probes.kubernetes.client.explain` says in one line. The writes and
Investigate's reads, run when the commander asks, keep the generated classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# kind -> its collection in a namespace, as the API server serves it
COLLECTIONS = {
    "deployments": "/apis/apps/v1/namespaces/{namespace}/deployments",
    "replicasets": "/apis/apps/v1/namespaces/{namespace}/replicasets",
    "pods": "/api/v1/namespaces/{namespace}/pods",
    "events": "/api/v1/namespaces/{namespace}/events",
}
# the names of the generated methods' query parameters the probe uses, as the server spells them
_QUERY = {
    "field_selector": "fieldSelector",
    "resource_version": "resourceVersion",
    "allow_watch_bookmarks": "allowWatchBookmarks",
    "timeout_seconds": "timeoutSeconds",
    "watch": "watch",
}


def _get(api: Any, path: str, params: dict[str, Any], query: dict[str, Any], timeout: Any) -> Any:
    """GET `path` on the API server; the urllib3 response, unread. Blocking.

    Raises kubernetes.client.exceptions.ApiException for a reply that is not 2xx, and what
    urllib3 raises for a connection that fails or times out."""
    from kubernetes.client.exceptions import ApiException

    request = api.param_serialize(
        method="GET",
        resource_path=path,
        path_params=params,
        query_params=[(_QUERY[name], value) for name, value in query.items() if value is not None],
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    reply = api.call_api(*request, _request_timeout=timeout)
    if not 200 <= reply.status <= 299:
        reply.read()
        raise ApiException.from_response(http_resp=reply, body=None, data=None)
    return reply.response


def lister(api: Any, kind: str) -> Callable[..., Any]:
    """A function that lists (or, with watch=True, watches) `kind` (a key of COLLECTIONS) in a
    namespace, called as the generated `list_namespaced_*` methods are, by `call` and by
    kubernetes.watch.Watch.stream; it returns the raw reply, whatever `_preload_content`."""
    path = COLLECTIONS[kind]

    def list_namespaced(
        namespace: str,
        *,
        field_selector: str | None = None,
        resource_version: str | None = None,
        allow_watch_bookmarks: bool | None = None,
        timeout_seconds: int | None = None,
        watch: bool | None = None,
        _preload_content: bool = False,
        _request_timeout: Any = None,
    ) -> Any:
        query = {
            "field_selector": field_selector,
            "resource_version": resource_version,
            "allow_watch_bookmarks": allow_watch_bookmarks,
            "timeout_seconds": timeout_seconds,
            "watch": watch,
        }
        return _get(api, path, {"namespace": namespace}, query, _request_timeout)

    list_namespaced.__name__ = f"list_namespaced_{kind}"
    return list_namespaced


def version(api: Any) -> Callable[..., Any]:
    """A function that GETs /version/ (the raw reply), called as `VersionApi.get_code` is."""

    def get_code(_preload_content: bool = False, _request_timeout: Any = None) -> Any:
        return _get(api, "/version/", {}, {}, _request_timeout)

    return get_code
