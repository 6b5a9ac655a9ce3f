"""Intake's write endpoints over HTTP against random and malformed bodies (property-based).

Two properties per endpoint, both with the admin token (so that the body is all that varies):
- a body that is invalid by construction (unknown keys, missing or null required fields, wrong
  types, huge strings, nested junk, impossible dates, naive timestamps, out-of-range numbers) is
  answered with a 4xx and records nothing;
- any body at all (a valid one with one field replaced by arbitrary JSON, unicode, or an edge
  date/time) never gets a 5xx, and a 4xx records nothing.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.categories import SLUG_PATTERN
from services.devstack.stack import LocalStack
from tests.e2e.conftest import ADMIN
from tests.e2e.intake_support import recorded, referral

pytestmark = pytest.mark.integration

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Field:
    """One field of a request body: its kind decides which values are surely invalid."""

    kind: str  # text, choice, slug, date, timestamp, int, uuid, object, list
    required: bool = True
    max_length: int = 0
    low: int = 0
    high: int = 0
    blank_ok: bool = False
    """A text field without a minimum length (an empty string is valid)."""


@dataclass(frozen=True)
class Ids:
    referral_id: str
    subject_id: str


@dataclass(frozen=True, repr=False)
class Target:
    id: str
    path: str
    """May name ``{referral_id}``."""
    base: Callable[[Ids], dict[str, Any]]
    fields: dict[Path, Field] = default(default_factory=dict)

    def __repr__(self) -> str:
        return f"Target({self.id!r})"


IDS0 = Ids("", "")
TEXT100 = Field("text", max_length=100)
TIMESTAMP = Field("timestamp")
DATE = Field("date")
CHOICE = Field("choice")
SLUG = Field("slug")
COMPLETION: dict[Path, Field] = {
    ("completed_at",): TIMESTAMP,
    ("case_manager_agency",): Field("slug", False),
}

TARGETS = [
    Target(
        "referrals",
        "/referrals",
        lambda _ids: referral(),
        {
            ("pathway",): CHOICE,
            ("site",): SLUG,
            ("referred_at",): TIMESTAMP,
            ("referring_agency",): SLUG,
            ("person",): Field("object"),
            ("person", "given_name"): TEXT100,
            ("person", "family_name"): TEXT100,
            ("person", "date_of_birth"): DATE,
            ("gender",): Field("choice", False),
            ("ethnicity",): Field("choice", False),
            ("arrest",): Field("object"),  # required for a prebooking referral
            ("arrest", "report_number"): Field("text", max_length=64),
            ("arrest", "arresting_agency"): SLUG,
            ("arrest", "prosecuting_agency"): SLUG,
            ("arrest", "charges"): Field("list"),
            ("arrest", "charges", 0): Field("object"),
            ("arrest", "charges", 0, "statute"): Field("text", max_length=64),
            ("arrest", "charges", 0, "description"): Field("text", max_length=500),
            ("arrest", "charges", 0, "level"): CHOICE,
        },
    ),
    Target(
        "assessment",
        "/referrals/{referral_id}/assessment",
        lambda _ids: {"completed_at": "2024-05-20T09:00:00-07:00"},
        COMPLETION,
    ),
    Target(
        "care_plan",
        "/referrals/{referral_id}/care-plan",
        lambda _ids: {"completed_at": "2024-05-20T09:00:00-07:00"},
        COMPLETION,
    ),
    Target(
        "status",
        "/referrals/{referral_id}/status",
        lambda _ids: {
            "status": "inactive",
            "reason": "moved away",
            "changed_at": "2024-05-21T09:00:00-07:00",
        },
        {
            ("status",): CHOICE,
            ("reason",): Field("text", max_length=500),
            ("changed_at",): TIMESTAMP,
        },
    ),
    Target(
        "withdrawal",
        "/referrals/{referral_id}/withdrawal",
        lambda _ids: {"withdrew_at": "2024-05-22T09:00:00-07:00"},
        {("withdrew_at",): TIMESTAMP},
    ),
    Target(
        "naloxone_distributions",
        "/naloxone/distributions",
        lambda _ids: {"channel": "jail_vending", "kits": 3, "distributed_on": "2023-03-01"},
        {
            ("channel",): CHOICE,
            ("kits",): Field("int", low=1, high=1_000_000),
            ("distributed_on",): DATE,
            ("doses",): Field("int", False, low=1, high=10_000_000),
        },
    ),
    Target(
        "naloxone_uses",
        "/naloxone/uses",
        lambda _ids: {"channel": "dhs_providers", "uses": 4, "reported_on": "2023-03-01"},
        {
            ("channel",): CHOICE,
            ("uses",): Field("int", low=0, high=1_000_000),
            ("reported_on",): DATE,
        },
    ),
    Target(
        "cohort_members",
        "/evaluation/cohort-members",
        lambda _ids: {
            "cohort": "lead",
            "site": "east-la",
            "index_date": "2021-06-01",
            "age": 29,
            "gender": "male",
            "ethnicity": "latinx",
            "prior_arrests_12mo": 0,
        },
        {
            ("cohort",): CHOICE,
            ("site",): SLUG,
            ("index_date",): DATE,
            ("age",): Field("int", low=0, high=130),
            ("gender",): CHOICE,
            ("ethnicity",): CHOICE,
            ("prior_arrests_12mo",): Field("int", low=0, high=1000),
            ("subject_ref",): Field("text", False, max_length=100, blank_ok=True),
        },
    ),
    Target(
        "justice_contacts",
        "/evaluation/justice-contacts",
        lambda ids: {
            "subject_id": ids.subject_id,
            "kind": "felony_case_filed",
            "occurred_on": "2021-08-01",
        },
        {("subject_id",): Field("uuid"), ("kind",): CHOICE, ("occurred_on",): DATE},
    ),
    Target(
        "probation_spells",
        "/evaluation/probation-spells",
        lambda ids: {
            "subject_id": ids.subject_id,
            "start_on": "2021-09-01",
            "end_on": "2022-03-01",
        },
        {("subject_id",): Field("uuid"), ("start_on",): DATE, ("end_on",): DATE},
    ),
]
BY_ID = {target.id: target for target in TARGETS}
KNOWN_KEYS = {str(part) for target in TARGETS for path in target.fields for part in path}

# --- strategies -----------------------------------------------------------------------------

# Printable text without digits (a string of digits may validate as a number, a date or a time)
# and without surrogates (which cannot be sent as UTF-8).
CHARS = st.characters(blacklist_categories=("Cs", "Nd"))
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
UNKNOWN_KEYS = st.text(min_size=1, max_size=20).filter(lambda key: key not in KNOWN_KEYS)
# Containers holding only junk: never a valid scalar, object, or list of charges.
JUNK_CONTAINERS = st.recursive(
    st.lists(SCALARS, max_size=3) | st.dictionaries(UNKNOWN_KEYS, SCALARS, min_size=1, max_size=3),
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3)
        | st.dictionaries(UNKNOWN_KEYS, inner, min_size=1, max_size=3)
    ),
    max_leaves=12,
)
HUGE_TEXT = st.builds(
    lambda char, size: char * size,
    st.characters(blacklist_categories=("Cs", "Nd", "Zs", "Cc")),
    st.integers(1_000, 200_000),
)
NUMBERS = st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
NOT_NUMBERS = st.text(CHARS, max_size=30)
IMPOSSIBLE_DATES = st.sampled_from(
    [
        "2024-02-30",
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "2024-04-31",
        "2024/05/14",
        "14.05.2024",
        "24-05-14",
        "2024-05-14T10:30:00",
        "2024-05-14T10:30:00-07:00",
        "",
        "yesterday",
    ]
)
BAD_TIMESTAMPS = st.sampled_from(
    [
        "2024-05-14T10:30:00",  # naive
        "2024-05-14 10:30",  # naive
        "2024-05-14",  # a date is no timestamp
        "2024-02-30T10:00:00-07:00",
        "2024-05-14T25:00:00Z",
        "2024-05-14T10:61:00Z",
        "2024-05-14T10:30:00+24:00",
        "2024-05-14T10:30:00 PST",
        "",
        "now",
    ]
)
EDGES = st.sampled_from(
    [
        "0001-01-01",
        "9999-12-31",
        "1900-02-28",
        "2000-02-29",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:30:00+14:00",
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:59:59.999999Z",
        "2024-05-14T10:30:00+23:59",
        "2024-05-14T10:30:00.123456789-07:00",
        "1970-01-01T00:00:00Z",
        0,
        -1,
        2**31,
        2**63,
        -(2**63) - 1,
        1e308,
        "00000000-0000-0000-0000-000000000000",
        "x" * 101,
        "Zoë Ménard-Ñúñez 李小龍 🙂",
        "\u0000",
        "\u202e",
        " " * 3,
    ]
)


def surely_invalid(spec: Field) -> st.SearchStrategy[Any]:
    """Values this field rejects whatever the rest of the body holds."""
    wrong_container = (
        st.lists(SCALARS, max_size=3)
        | st.dictionaries(UNKNOWN_KEYS, SCALARS, min_size=1, max_size=3)
        if spec.kind == "list"
        else JUNK_CONTAINERS
    )
    options: list[st.SearchStrategy[Any]] = [wrong_container]
    if spec.required:
        options.append(st.none())
    if spec.kind in ("text", "choice", "slug", "uuid"):
        options += [NUMBERS, st.booleans(), HUGE_TEXT]
    if spec.kind == "text" and not spec.blank_ok:
        options.append(st.sampled_from(["", "   ", "\t\n"]))
    if spec.kind == "choice":
        options.append(st.text(max_size=30).filter(lambda s: not re.fullmatch(r"[a-z_0-9]+", s)))
    if spec.kind == "slug":
        options.append(st.text(max_size=30).filter(lambda s: not re.fullmatch(SLUG_PATTERN, s)))
    if spec.kind == "uuid":
        options.append(st.sampled_from(["", "not-a-uuid", "0000", "g" * 32]))
    if spec.kind == "date":
        options += [IMPOSSIBLE_DATES, HUGE_TEXT, st.booleans(), st.floats(0.1, 0.9)]
    if spec.kind == "timestamp":
        options += [BAD_TIMESTAMPS, HUGE_TEXT, st.booleans()]
    if spec.kind == "int":
        options += [
            st.integers(max_value=spec.low - 1),
            st.integers(min_value=spec.high + 1),
            st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
            NOT_NUMBERS,
            HUGE_TEXT,
        ]
    if spec.kind in ("object", "list"):
        options += [NUMBERS, st.text(max_size=30), st.booleans()]
    return st.one_of(options)


def put(body: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    holder: Any = changed
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = value
    return changed


def drop(body: dict[str, Any], path: Path) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    holder: Any = changed
    for part in path[:-1]:
        holder = holder[part]
    del holder[path[-1]]
    return changed


@st.composite
def garbage(draw: st.DrawFn, target: Target, ids: Ids) -> Any:
    """A body the endpoint must refuse."""
    base = target.base(ids)
    paths = sorted(target.fields, key=str)
    required = [p for p in paths if target.fields[p].required and not isinstance(p[-1], int)]
    how = draw(st.sampled_from(["random", "extra", "missing", "wrong"]))
    if how == "random":
        return draw(st.dictionaries(UNKNOWN_KEYS, JSON_VALUES, max_size=6))
    if how == "extra":
        return put(base, (draw(UNKNOWN_KEYS),), draw(JSON_VALUES))
    if how == "missing":
        return drop(base, draw(st.sampled_from(required)))
    path = draw(st.sampled_from(paths))
    return put(base, path, draw(surely_invalid(target.fields[path])))


@st.composite
def anything(draw: st.DrawFn, target: Target, ids: Ids) -> Any:
    """A valid body with one field replaced by whatever: valid or not, never a 5xx."""
    path = draw(st.sampled_from(sorted(target.fields, key=str)))
    value = draw(JSON_VALUES | st.text() | EDGES)
    return put(target.base(ids), path, value)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("intake"), headers=ADMIN, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def ids(client: httpx.Client) -> Ids:
    made = client.post("/referrals", json=referral())
    assert made.status_code == 201, made.text
    subject = client.post("/evaluation/cohort-members", json=BY_ID["cohort_members"].base(IDS0))
    assert subject.status_code == 201, subject.text
    return Ids(made.json()["referral_id"], subject.json()["subject_id"])


def _url(target: Target, ids: Ids) -> str:
    return target.path.format(referral_id=ids.referral_id)


def _server_error(stack: LocalStack, response: httpx.Response) -> str:
    """For a 5xx: the end of intake's log (the traceback)."""
    if response.status_code < 500:
        return ""
    return "\n" + stack.log_path("intake").read_text(errors="replace")[-2500:]


def _show(body: Any) -> str:
    text = json.dumps(body, ensure_ascii=False)
    return text if len(text) < 300 else text[:300] + "..."


# --- properties -----------------------------------------------------------------------------


def test_every_write_endpoint_is_fuzzed() -> None:
    assert {t.path for t in TARGETS} == {
        "/referrals",
        "/referrals/{referral_id}/assessment",
        "/referrals/{referral_id}/care-plan",
        "/referrals/{referral_id}/status",
        "/referrals/{referral_id}/withdrawal",
        "/naloxone/distributions",
        "/naloxone/uses",
        "/evaluation/cohort-members",
        "/evaluation/justice-contacts",
        "/evaluation/probation-spells",
    }
    for target in TARGETS:
        top = {p[0]: spec for p, spec in target.fields.items() if len(p) == 1}
        base = target.base(Ids("r", "s"))
        assert set(base) <= set(top), target.id
        assert all(not top[name].required for name in set(top) - set(base)), target.id


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
@FUZZ
@given(data=st.data())
def test_garbage_is_refused_with_a_4xx_and_records_nothing(
    stack: LocalStack, client: httpx.Client, ids: Ids, target: Target, data: st.DataObject
) -> None:
    body = data.draw(garbage(target, ids), label="body")
    before = recorded(stack)
    response = client.post(_url(target, ids), json=body)
    assert 400 <= response.status_code < 500, (
        f"{_show(body)} -> {response.status_code}{_server_error(stack, response)}"
    )
    assert recorded(stack) == before, f"{_show(body)} recorded something"


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
@FUZZ
@given(data=st.data())
def test_no_body_gets_a_5xx(
    stack: LocalStack, client: httpx.Client, ids: Ids, target: Target, data: st.DataObject
) -> None:
    body = data.draw(anything(target, ids), label="body")
    before = recorded(stack)
    response = client.post(_url(target, ids), json=body)
    assert response.status_code < 500, (
        f"{_show(body)} -> {response.status_code}{_server_error(stack, response)}"
    )
    if response.status_code >= 400:
        assert recorded(stack) == before, f"{_show(body)} recorded something"


# Python's json module reads NaN, Infinity and 1e999 (as inf): they must still get a 422.
RAW_BODIES = [
    pytest.param(b"", "application/json", id="empty"),
    pytest.param(b"[]", "application/json", id="array"),
    pytest.param(b"null", "application/json", id="null"),
    pytest.param(b'"referral"', "application/json", id="string"),
    pytest.param(b"42", "application/json", id="number"),
    pytest.param(b'{"pathway": 5}', "application/json", id="pathway_number"),
    pytest.param(b"{not json", "application/json", id="broken_json"),
    pytest.param(b'{"a": 1,}', "application/json", id="trailing_comma"),
    pytest.param(b"\xff\xfe\x00{", "application/json", id="not_utf8"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "application/json", id="deeply_nested"),
    pytest.param(b'{"kits": 1e999}', "application/json", id="infinite_number"),
    pytest.param(b'{"kits": NaN}', "application/json", id="nan"),
    pytest.param(b'{"age": -Infinity}', "application/json", id="minus_infinity"),
    pytest.param(json.dumps(referral()).encode(), "text/plain", id="valid_json_as_text"),
    pytest.param(b"pathway=prebooking", "application/x-www-form-urlencoded", id="form"),
]


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
@pytest.mark.parametrize(("content", "content_type"), RAW_BODIES)
def test_non_json_bodies_are_refused_with_a_4xx(
    stack: LocalStack,
    client: httpx.Client,
    ids: Ids,
    target: Target,
    content: bytes,
    content_type: str,
) -> None:
    before = recorded(stack)
    response = client.post(
        _url(target, ids), content=content, headers={"Content-Type": content_type}
    )
    assert 400 <= response.status_code < 500, (
        f"{content[:60]!r} -> {response.status_code}{_server_error(stack, response)}"
    )
    assert recorded(stack) == before


EDGE_MOMENTS = [
    "0001-01-01",
    "9999-12-31",
    "2000-02-29",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:30:00+14:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999Z",
    "2024-05-14T10:30:00+23:59",
    "2024-05-14T10:30:00-23:59",
    "1970-01-01T00:00:00Z",
]
MOMENT_FIELDS = [
    pytest.param(target, path, value, id=f"{target.id}-{'.'.join(map(str, path))}-{value}")
    for target in TARGETS
    for path, spec in target.fields.items()
    if spec.kind in ("date", "timestamp")
    for value in EDGE_MOMENTS
]


@pytest.mark.parametrize(("target", "path", "value"), MOMENT_FIELDS)
def test_edge_dates_and_times_never_get_a_5xx(
    stack: LocalStack, client: httpx.Client, ids: Ids, target: Target, path: Path, value: str
) -> None:
    body = put(target.base(ids), path, value)
    before = recorded(stack)
    response = client.post(_url(target, ids), json=body)
    assert response.status_code < 500, (
        f"{_show(body)} -> {response.status_code}{_server_error(stack, response)}"
    )
    if response.status_code >= 400:
        assert recorded(stack) == before
