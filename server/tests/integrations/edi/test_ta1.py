"""TA1 interchange acknowledgements in the codec: written between the ISA and the first GS, read
back with every element checked (a fault is an InterchangeError naming TA1 and the element)."""

from __future__ import annotations

import datetime as dt

import pytest
from fllc_server.integrations.edi import x12

TA1_ONLY = (
    "ISA*00*          *00*          *ZZ*FLLCWAREHOUSE  *01*ACMESUPPLY     "
    "*261204*1015*U*00401*000000906*0*P*>~\n"
    "TA1*000000905*261130*0930*A*000~\n"
    "IEA*0*000000906~\n"
)


def test_an_interchange_of_one_ta1_reads_and_writes_back_byte_for_byte() -> None:
    interchange = x12.decode(TA1_ONLY.encode())
    assert interchange.groups == ()
    assert interchange.acks == (
        x12.InterchangeAck(
            905, dt.date(2026, 11, 30), dt.time(9, 30), x12.Ta1Status.ACCEPTED, x12.Ta1Note.NO_ERROR
        ),
    )
    assert x12.encode(interchange, line_ending="\n").decode() == TA1_ONLY
    assert x12.acknowledge(x12.read_interchange(TA1_ONLY.encode())) == []


def test_a_rejection_names_the_note() -> None:
    text = TA1_ONLY.replace("*A*000~", "*R*025~")
    (ack,) = x12.decode(text.encode()).acks
    assert (ack.status, ack.note) == (x12.Ta1Status.REJECTED, x12.Ta1Note.DUPLICATE_CONTROL_NUMBER)


@pytest.mark.parametrize(
    ("segment", "element"),
    [
        ("TA1*00000905*261130*0930*A*000", 1),
        ("TA1*000000905*261332*0930*A*000", 2),
        ("TA1*000000905*261130*2460*A*000", 3),
        ("TA1*000000905*261130*0930*X*000", 4),
        ("TA1*000000905*261130*0930*A*999", 5),
        ("TA1*000000905*261130*0930*A*000*1", 6),
    ],
)
def test_a_bad_ta1_is_an_envelope_error_naming_its_element(segment: str, element: int) -> None:
    text = TA1_ONLY.replace("TA1*000000905*261130*0930*A*000", segment)
    with pytest.raises(x12.InterchangeError) as caught:
        x12.read_interchange(text.encode())
    assert (caught.value.segment, caught.value.position, caught.value.element) == ("TA1", 2, element)


def test_a_ta1_after_a_group_is_out_of_place() -> None:
    text = TA1_ONLY.replace(
        "IEA*0*",
        "GS*FA*ACMESUPPLY*FLLCWAREHOUSE*20261130*0930*7*X*004010~\nGE*0*7~\nTA1*000000905*261130*0930*A*000~\nIEA*1*",
    )
    with pytest.raises(x12.InterchangeError, match="outside a functional group"):
        x12.read_interchange(text.encode())
