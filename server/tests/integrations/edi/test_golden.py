"""Golden files: each set's sample model encodes to its file byte for byte and decodes back to it;
public sample files are read as their senders meant (or refused for the reason they deserve)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from fllc_server.integrations.edi import x12

MakeInterchange = Callable[..., x12.Interchange]


def test_every_set_has_a_golden_file(data_dir: Path, samples: dict[str, x12.Document]) -> None:
    names = {path.name for path in data_dir.glob("golden_*_004010.edi")}
    assert names == {f"golden_{s}_004010.edi" for s in samples}


def test_golden_file_is_what_we_write(
    set_id: str, data_dir: Path, samples: dict[str, x12.Document], make_interchange: MakeInterchange
) -> None:
    golden = (data_dir / f"golden_{set_id}_004010.edi").read_bytes()
    assert x12.encode(make_interchange(samples[set_id]), line_ending="\n") == golden


def test_golden_file_reads_as_the_model(
    set_id: str, data_dir: Path, samples: dict[str, x12.Document], make_interchange: MakeInterchange
) -> None:
    golden = (data_dir / f"golden_{set_id}_004010.edi").read_bytes()
    decoded = x12.decode(golden)
    assert decoded == make_interchange(samples[set_id])
    assert decoded.documents == [samples[set_id]]


def test_golden_isa_is_106_characters_with_padded_ids(set_id: str, data_dir: Path) -> None:
    golden = (data_dir / f"golden_{set_id}_004010.edi").read_bytes()
    isa = golden.split(b"\n")[0]
    assert len(isa) == 106
    fields = isa.split(b"*")
    assert [len(f) for f in fields[1:]] == [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 2]  # ISA16 + "~"
    assert fields[6] in (b"FLLCWAREHOUSE  ", b"ACMESUPPLY     ")


def test_golden_005010_uses_its_repetition_separator_and_crlf(
    data_dir: Path, samples: dict[str, x12.Document], make_interchange: MakeInterchange
) -> None:
    golden = (data_dir / "golden_850_005010.edi").read_bytes()
    expected = make_interchange(samples["850"], version=x12.Version.V5010)
    delimiters = x12.Delimiters("*", ":", "~", "^")
    assert x12.encode(expected, delimiters, line_ending="\r\n") == golden
    assert golden[82:83] == b"^"
    assert golden[84:89] == b"00501"
    assert x12.decode(golden) == expected
    assert b"GS*PO*FLLCWAREHOUSE*ACMESUPPLY*20261130*0930*905*X*005010~" in golden


def test_golden_856_carries_sscc_with_the_gs1_ai_and_hl_parents(data_dir: Path) -> None:
    text = (data_dir / "golden_856_004010.edi").read_text()
    assert "MAN*GM*00006141411234567890~" in text
    assert [line for line in text.splitlines() if line.startswith("HL")] == [
        "HL*1**S~",
        "HL*2*1*O~",
        "HL*3*2*P~",
        "HL*4*3*I~",
        "HL*5*2*P~",
        "HL*6*5*I~",
    ]
    assert "CTT*6~" in text


def test_public_berrywave_850_is_read_with_its_own_delimiters_and_rejected_at_ctt(data_dir: Path) -> None:
    data = (data_dir / "public_berrywave_850.edi").read_bytes()
    outcome = x12.read_interchange(data)
    assert outcome.delimiters.element == "^"
    assert outcome.delimiters.component == "|"
    with pytest.raises(x12.ElementError) as caught:
        x12.decode(data)
    assert (caught.value.segment, caught.value.position, caught.value.element) == ("CTT", 6, 1)
    [ack] = x12.acknowledge(outcome)
    assert ack.status is x12.AckStatus.REJECTED
    [set_ack] = ack.sets
    assert (set_ack.set_id, set_ack.control_number, set_ack.codes) == (
        "850",
        "8620",
        (x12.SetCode.SEGMENTS_IN_ERROR,),
    )
    [note] = set_ack.segments
    assert (note.segment_id, note.position, note.code) == ("CTT", 6, x12.SegmentCode.ELEMENT_ERRORS)
    assert note.elements == (x12.ElementNote(1, x12.ElementCode.INVALID_CHARACTER, bad_value="Q2"),)


def test_public_edi2xml_810_is_accepted(data_dir: Path) -> None:
    data = (data_dir / "public_edi2xml_810.edi").read_bytes()
    decoded = x12.decode(data)
    assert decoded.version is x12.Version.V5010
    [invoice] = decoded.documents
    assert isinstance(invoice, x12.Invoice)
    assert invoice.number == "I-0042537"
    assert [line.upc for line in invoice.lines][:2] == ["888077648572", "888077650123"]
    assert invoice.total == invoice.lines_total == Decimal("57.70")
    [ack] = x12.acknowledge(x12.read_interchange(data))
    assert (ack.status, ack.accepted, ack.group_version) == (x12.AckStatus.ACCEPTED, 1, "005010")


def test_public_edifabric_856_with_version_00204_is_refused_at_isa12(data_dir: Path) -> None:
    data = (data_dir / "public_edifabric_856.edi").read_bytes()
    with pytest.raises(x12.InterchangeError) as caught:
        x12.read_interchange(data)
    assert (caught.value.segment, caught.value.element) == ("ISA", 12)
