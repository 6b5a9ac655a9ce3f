"""The event contract: what producers may write and what consumers can rely on reading."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from events import (
    PAYLOAD_TYPES,
    REDISCLOSURE_STATEMENT,
    REGISTRY,
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    Arrest,
    AssessmentCompleted,
    CarePlanCompleted,
    Charge,
    ChargeLevel,
    ChargesDeclined,
    Cohort,
    CohortMemberEnrolled,
    CompletionStep,
    DemographicsRecorded,
    Ethnicity,
    EventPayload,
    Gender,
    InvalidPayload,
    JusticeContactKind,
    JusticeContactRecorded,
    MalformedMessage,
    NaloxoneChannel,
    NaloxoneDistributed,
    NaloxoneUseReported,
    Notice,
    NoticeDecision,
    ParticipantStatus,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    Pathway,
    ProbationSpellRecorded,
    ReferralMade,
    Site,
    UnknownEventType,
    UnsupportedSchemaVersion,
    decode,
    dlq_topic,
    encode,
    export_json_schemas,
    kafka_headers,
    new_envelope,
    notice_envelope,
    notices_topic,
    topic_for_event,
)
from events.upcasters import upcast

PACIFIC = timezone(timedelta(hours=-7))
REFERRED_AT = datetime(2019, 5, 14, 10, 30, tzinfo=PACIFIC)
REFERRAL_ID = UUID("6f1c2f9e-8a43-4d6e-9a53-3b1f0f6f2d01")
PARTICIPANT_ID = UUID("0b7e3c52-5d0a-4b8e-8f0e-2f4d5c6b7a88")
SUBJECT_ID = UUID("9d2a4f7c-1e3b-4c5d-8e9f-0a1b2c3d4e5f")
CHARGES = (Charge(statute="HS 11350(a)", description="possession", level=ChargeLevel.MISDEMEANOR),)
ARREST = Arrest(
    report_number="19-0512345",
    arresting_agency="lapd",
    prosecuting_agency="lacityatty",
    charges=CHARGES,
)
CASE: dict[str, Any] = {
    "referral_id": REFERRAL_ID,
    "prosecuting_agency": "lacityatty",
    "report_number": "19-0512345",
    "charges": CHARGES,
}


def prebooking_referral(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "referral_id": REFERRAL_ID,
        "participant_id": PARTICIPANT_ID,
        "site": Site.HOLLYWOOD,
        "pathway": Pathway.PREBOOKING,
        "referred_at": REFERRED_AT,
        "referring_agency": "lapd",
        "is_re_referral": False,
        "gender": Gender.FEMALE,
        "age_at_referral": 34,
        "arrest": ARREST,
    }
    return fields | changes


SAMPLES: dict[str, EventPayload] = {
    sample.event_type: sample
    for sample in (
        ReferralMade(**prebooking_referral()),
        AssessmentCompleted(
            referral_id=REFERRAL_ID, completed_at=REFERRED_AT, case_manager_agency="chpla"
        ),
        CarePlanCompleted(
            referral_id=REFERRAL_ID, completed_at=REFERRED_AT, case_manager_agency="chpla"
        ),
        ParticipantStatusChanged(
            referral_id=REFERRAL_ID,
            status=ParticipantStatus.INACTIVE,
            reason="no contact for 90 days",
            changed_at=REFERRED_AT,
        ),
        ParticipantWithdrew(referral_id=REFERRAL_ID, withdrew_at=REFERRED_AT),
        DemographicsRecorded(
            participant_id=PARTICIPANT_ID, gender=Gender.UNKNOWN, ethnicity=Ethnicity.LATINX
        ),
        NaloxoneDistributed(
            distribution_id=uuid4(),
            channel=NaloxoneChannel.JAIL_VENDING,
            kits=3,
            doses=6,
            distributed_on=date(2021, 7, 1),
        ),
        NaloxoneUseReported(
            report_id=uuid4(),
            channel=NaloxoneChannel.DHS_PROVIDERS,
            uses=2,
            reported_on=date(2022, 1, 3),
        ),
        CohortMemberEnrolled(
            subject_id=SUBJECT_ID,
            cohort=Cohort.COMPARISON,
            site="east-la",
            index_date=date(2021, 5, 3),
            age=41,
            gender=Gender.MALE,
            ethnicity=Ethnicity.BLACK,
            prior_arrests_12mo=2,
        ),
        JusticeContactRecorded(
            subject_id=SUBJECT_ID,
            kind=JusticeContactKind.FELONY_ARREST,
            occurred_on=date(2021, 9, 30),
        ),
        ProbationSpellRecorded(
            subject_id=SUBJECT_ID, start_on=date(2021, 6, 1), end_on=date(2021, 12, 1)
        ),
        AbeyanceStarted(
            **CASE,
            started_at=REFERRED_AT,
            deadline_at=datetime(2019, 6, 13, 23, 59, 59, tzinfo=PACIFIC),
            completion_condition=(CompletionStep.CARE_PLAN, CompletionStep.ASSESSMENT),
        ),
        ChargesDeclined(
            **CASE,
            declined_at=REFERRED_AT + timedelta(days=9),
            basis="assessment and care plan completed",
            completed_on={
                CompletionStep.ASSESSMENT: date(2019, 5, 16),
                CompletionStep.CARE_PLAN: date(2019, 5, 23),
            },
        ),
        AbeyanceExpired(
            **CASE,
            deadline_at=datetime(2019, 6, 13, 23, 59, 59, tzinfo=PACIFIC),
            outstanding=(CompletionStep.CARE_PLAN,),
        ),
        AbeyanceExpiryRescinded(
            referral_id=REFERRAL_ID, reason="care plan completed 2019-06-12, recorded late"
        ),
        AbeyanceEnded(referral_id=REFERRAL_ID, reason="participant withdrew"),
    )
}


def envelope_of(payload: EventPayload, **changes: Any) -> dict[str, Any]:
    """A valid message as the dict a consumer parses, with some fields changed."""
    message = new_envelope(payload, occurred_at=REFERRED_AT, source="test").model_dump(mode="json")
    return message | changes


def test_every_event_type_has_a_model_a_topic_and_a_sample() -> None:
    assert set(REGISTRY) == set(SAMPLES) == {model.event_type for model in PAYLOAD_TYPES}
    assert len(PAYLOAD_TYPES) == 16


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_every_event_survives_encode_and_decode(event_type: str) -> None:
    payload = SAMPLES[event_type]
    envelope = new_envelope(
        payload, occurred_at=REFERRED_AT, source="intake", correlation_id="req-1"
    )

    decoded = decode(encode(envelope))

    assert decoded.payload == payload
    assert decoded.envelope == envelope
    assert decoded.envelope.subject == payload.subject
    assert topic_for_event(event_type) == type(payload).topic


def test_envelope_takes_type_version_and_subject_from_the_payload() -> None:
    payload = SAMPLES["ParticipantStatusChanged"]
    envelope = new_envelope(payload, occurred_at=REFERRED_AT, source="intake")

    assert envelope.event_type == "ParticipantStatusChanged"
    assert envelope.schema_version == 2
    assert envelope.subject == str(REFERRAL_ID)
    assert envelope.recorded_at.tzinfo is not None
    assert kafka_headers(envelope) == [
        ("event_type", b"ParticipantStatusChanged"),
        ("schema_version", b"2"),
        ("event_id", str(envelope.event_id).encode()),
    ]


def test_encoding_is_compact_utf8_json() -> None:
    encoded = encode(new_envelope(SAMPLES["AbeyanceEnded"], occurred_at=REFERRED_AT, source="x"))

    assert b": " not in encoded and b", " not in encoded
    assert json.loads(encoded.decode("utf-8"))["event_type"] == "AbeyanceEnded"


@pytest.mark.parametrize("event_type", ["NaloxoneDistributed", "DemographicsRecorded"])
def test_subject_is_the_aggregate_of_the_event(event_type: str) -> None:
    payload = SAMPLES[event_type]
    assert payload.subject == str(getattr(payload, type(payload).subject_field))
    assert payload.subject != str(REFERRAL_ID)


@settings(database=None)
@given(
    when=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.timezones(),
    ),
    kits=st.integers(min_value=1, max_value=10_000),
)
def test_any_aware_time_and_count_round_trip(when: datetime, kits: int) -> None:
    payload = NaloxoneDistributed(
        distribution_id=uuid4(),
        channel=NaloxoneChannel.LA_50K_PARTNERS,
        kits=kits,
        doses=2 * kits,
        distributed_on=when.date(),
    )
    decoded = decode(encode(new_envelope(payload, occurred_at=when, source="oend")))

    assert decoded.payload == payload
    # Compared as instants: an ambiguous local time never equals another zone's (PEP 495).
    assert decoded.envelope.occurred_at.astimezone(UTC) == when.astimezone(UTC)


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        ParticipantWithdrew(referral_id=REFERRAL_ID, withdrew_at=datetime(2019, 5, 14, 10, 30))
    with pytest.raises(ValidationError, match="timezone"):
        new_envelope(SAMPLES["AbeyanceEnded"], occurred_at=datetime(2019, 5, 14), source="x")


def test_naive_datetime_in_a_message_is_an_invalid_payload() -> None:
    message = envelope_of(SAMPLES["ParticipantWithdrew"])
    message["payload"]["withdrew_at"] = "2019-05-14T10:30:00"

    with pytest.raises(InvalidPayload, match="withdrew_at"):
        decode(message)


def test_unknown_payload_field_is_rejected() -> None:
    message = envelope_of(SAMPLES["AbeyanceEnded"])
    message["payload"]["diagnosis"] = "anything"

    with pytest.raises(InvalidPayload) as raised:
        decode(message)
    assert "diagnosis: Extra inputs are not permitted" in raised.value.reason


def test_unknown_envelope_field_makes_a_malformed_message() -> None:
    with pytest.raises(MalformedMessage, match="partition"):
        decode(envelope_of(SAMPLES["AbeyanceEnded"], partition=3))


def test_unknown_event_type_is_reported_as_such() -> None:
    with pytest.raises(UnknownEventType, match="ReferralTeleported"):
        decode(envelope_of(SAMPLES["AbeyanceEnded"], event_type="ReferralTeleported"))


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"\xff\xfe", "[]", b'{"event_type": "ReferralMade"}', b""],
)
def test_what_is_not_an_envelope_is_a_malformed_message(raw: bytes | str) -> None:
    with pytest.raises(MalformedMessage) as raised:
        decode(raw)
    assert raised.value.reason


def test_payload_breaking_its_model_names_the_field() -> None:
    message = envelope_of(SAMPLES["NaloxoneDistributed"])
    message["payload"]["kits"] = 0

    with pytest.raises(InvalidPayload) as raised:
        decode(message)
    assert raised.value.reason.startswith("invalid NaloxoneDistributed: kits: ")
    assert [error.field for error in raised.value.errors] == ["kits"]


def test_envelope_subject_must_be_the_payload_subject() -> None:
    message = envelope_of(SAMPLES["AbeyanceEnded"], subject=str(uuid4()))

    with pytest.raises(InvalidPayload, match="referral_id"):
        decode(message)


def test_status_change_written_at_version_1_is_upcast() -> None:
    message = envelope_of(SAMPLES["ParticipantStatusChanged"], schema_version=1)
    payload = message["payload"]
    payload["new_status"] = payload.pop("status")

    decoded = decode(json.dumps(message))

    assert decoded.payload == SAMPLES["ParticipantStatusChanged"]
    assert decoded.envelope.schema_version == 2
    assert decoded.envelope.payload["status"] == "inactive"
    assert "new_status" not in decoded.envelope.payload


def test_version_newer_than_this_code_is_refused() -> None:
    with pytest.raises(UnsupportedSchemaVersion, match="newer"):
        decode(envelope_of(SAMPLES["ParticipantStatusChanged"], schema_version=3))


def test_version_without_an_upcaster_is_refused() -> None:
    with pytest.raises(UnsupportedSchemaVersion, match="no upcaster from schema_version 1"):
        upcast("AbeyanceEnded", 1, 2, {"referral_id": str(REFERRAL_ID)})


def test_prebooking_referral_without_arrest_is_rejected() -> None:
    with pytest.raises(ValidationError, match="prebooking referral needs its arrest"):
        ReferralMade(**prebooking_referral(arrest=None))


@pytest.mark.parametrize("pathway", [Pathway.SOCIAL_CONTACT, Pathway.COMMUNITY])
def test_referral_with_an_arrest_must_be_prebooking(pathway: Pathway) -> None:
    with pytest.raises(ValidationError, match="holds no charges"):
        ReferralMade(**prebooking_referral(pathway=pathway))
    assert ReferralMade(**prebooking_referral(pathway=pathway, arrest=None)).arrest is None


@pytest.mark.parametrize("site", ["san-diego", "sd2"])
def test_a_site_is_configuration_not_code(site: str) -> None:
    assert ReferralMade(**prebooking_referral(site=site)).site == site


@pytest.mark.parametrize("code", ["Hollywood", "-east", "east la", ""])
def test_site_and_agency_codes_are_slugs(code: str) -> None:
    with pytest.raises(ValidationError):
        ReferralMade(**prebooking_referral(site=code))
    with pytest.raises(ValidationError):
        ReferralMade(**prebooking_referral(referring_agency=code))


def test_payloads_are_immutable() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        SAMPLES["AbeyanceEnded"].referral_id = uuid4()  # type: ignore[attr-defined]


def test_completion_steps_have_one_canonical_order() -> None:
    started = SAMPLES["AbeyanceStarted"]
    assert isinstance(started, AbeyanceStarted)
    assert started.completion_condition == (CompletionStep.ASSESSMENT, CompletionStep.CARE_PLAN)


def test_probation_spell_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="end_on is before start_on"):
        ProbationSpellRecorded(
            subject_id=SUBJECT_ID, start_on=date(2021, 6, 1), end_on=date(2021, 5, 1)
        )


def test_notice_carries_the_redisclosure_statement_and_nothing_about_treatment() -> None:
    notice = Notice(
        **CASE,
        notice_id=uuid4(),
        decision=NoticeDecision.DECLINED,
        issued_at=datetime(2019, 5, 23, 17, tzinfo=UTC),
        referred_on=date(2019, 5, 14),
        deadline_on=date(2019, 6, 13),
        declined_on=date(2019, 5, 23),
    )

    assert notice.redisclosure_statement == REDISCLOSURE_STATEMENT
    assert REDISCLOSURE_STATEMENT.startswith("This record which has been disclosed to you")
    assert notice.topic == notices_topic("lacityatty") == "lead.notices.lacityatty"
    assert notice.subject == str(REFERRAL_ID)
    assert Notice.model_validate_json(notice.model_dump_json()) == notice
    assert not {"assessment", "care_plan", "completed_on", "basis"} & set(Notice.model_fields)

    travelling = notice_envelope(notice, source="abeyance")  # every message has the envelope
    assert travelling.event_id == notice.notice_id and travelling.subject == notice.subject
    assert travelling.event_type == "ProsecutorNotice" and travelling.schema_version == 1
    assert Notice.model_validate(travelling.payload) == notice


def test_notice_needs_the_date_of_its_decision() -> None:
    with pytest.raises(ValidationError, match="expired_on"):
        Notice(
            **CASE,
            notice_id=uuid4(),
            decision=NoticeDecision.EXPIRED,
            issued_at=datetime(2019, 6, 14, 7, tzinfo=UTC),
            referred_on=date(2019, 5, 14),
            deadline_on=date(2019, 6, 13),
        )


def test_topic_names() -> None:
    assert topic_for_event("ReferralMade") == "lead.referral.events"
    assert topic_for_event("ChargesDeclined") == "lead.abeyance.events"
    assert topic_for_event("NaloxoneUseReported") == "lead.oend.events"
    assert topic_for_event("ProbationSpellRecorded") == "lead.evaluation.events"
    assert dlq_topic("lead.referral.events") == "lead.referral.events.dlq"


def test_schema_export_writes_one_file_per_event_and_is_deterministic(tmp_path: Path) -> None:
    first = export_json_schemas(tmp_path / "first")
    second = export_json_schemas(tmp_path / "second")

    names = {path.name for path in first}
    assert names == {f"{t}.schema.json" for t in REGISTRY} | {
        "envelope.schema.json",
        "notice.schema.json",
        "ProsecutorNotice.schema.json",
    }
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    status = json.loads((tmp_path / "first" / "ParticipantStatusChanged.schema.json").read_text())
    assert status["properties"]["schema_version"]["const"] == 2
    assert status["properties"]["payload"] == {"$ref": "#/$defs/ParticipantStatusChanged"}
    assert "status" in status["$defs"]["ParticipantStatusChanged"]["required"]
    travelling = json.loads((tmp_path / "first" / "ProsecutorNotice.schema.json").read_text())
    assert travelling["properties"]["payload"] == {"$ref": "#/$defs/ProsecutorNotice"}
    assert "redisclosure_statement" in travelling["$defs"]["ProsecutorNotice"]["properties"]
