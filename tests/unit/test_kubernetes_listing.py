"""A LIST reply read one item at a time (probes/kubernetes/listing.py): the same items and
version as decoding the whole reply, the same refusals, at a fraction of the memory."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.kubernetes import trim
from probes.kubernetes.listing import listed
from tests.integration.k8s_objects import healthy


def whole(text: str, cut=trim.pod):
    """What the probe did before: the whole reply decoded, then each item trimmed."""
    data = json.loads(text)
    items = {item["metadata"]["name"]: cut(item) for item in data["items"] or ()}
    return items, data["metadata"].get("resourceVersion")


def pods(services: int, replicas: int) -> list[dict]:
    out = []
    for i in range(services):
        out += [o for o in healthy(f"svc-{i:04}", replicas=replicas) if o.get("kind") == "Pod"]
    return out


def reply(items, **extra) -> str:
    return json.dumps(
        {"kind": "PodList", "metadata": {"resourceVersion": "42"}, "items": items, **extra}
    )


SPACES = st.text(alphabet=" \t\n\r", max_size=3)


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(0, 4),
    space=SPACES,
    items_first=st.booleans(),
    indent=st.sampled_from([None, 0, 2]),
)
def test_the_same_items_and_version_as_the_whole_reply_decoded(count, space, items_first, indent):
    items = pods(1, count)
    envelope = {"items": items, "kind": "PodList", "metadata": {"resourceVersion": "7"}}
    if not items_first:
        envelope = {"kind": "PodList", "metadata": {"resourceVersion": "7"}, "items": items}
    text = space + json.dumps(envelope, indent=indent) + space
    got = listed(text, trim.pod)
    assert got == whole(text)
    assert list(got[0]) == list(whole(text)[0])  # in the reply's order


def test_null_items_and_no_version():
    assert listed('{"metadata": {}, "items": null}', trim.pod) == ({}, None)
    assert listed('{"metadata":{"resourceVersion":"3"},"items":[]}', trim.pod) == ({}, "3")


# what probes.kubernetes.client.explain says as "malformed reply to list ..."
MALFORMED = (ValueError, TypeError, KeyError, AttributeError)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '{"metadata": {}}',
        '{"items": []}',
        '{"metadata": {}, "items": [{"metadata": {}}]}',
        '{"metadata": {}, "items": [{}]',  # cut short
        '{"metadata": {}, "items": []',
        '{"metadata": {}, "items": [] "kind": 1}',
        '{"metadata": {}, "items": [],}',
        '{"metadata": {}, "items": []} {}',
        '{1: 2, "metadata": {}, "items": []}',
        '{"metadata": [], "items": []}',
        '{"metadata": {}, "items": 3}',
    ],
)
def test_what_is_not_a_list_reply_is_refused_as_decoding_it_whole_would(text):
    with pytest.raises(MALFORMED):
        listed(text, trim.pod)
    with pytest.raises(MALFORMED):
        whole(text)


def test_3000_pods_are_read_within_a_fraction_of_the_memory_of_decoding_them_at_once():
    text = reply(pods(300, 10))

    def peak(read) -> int:
        tracemalloc.start()
        try:
            kept = read(text, trim.pod)
            return tracemalloc.get_traced_memory()[1], kept
        finally:
            tracemalloc.stop()

    at_once, kept = peak(whole)
    one_by_one, same = peak(listed)
    assert same == kept and len(kept[0]) == 3000
    assert one_by_one < at_once / 2
