"""catalog.barcodes: check digits and the stored form; catalog.search: text that cannot be syntax."""

from __future__ import annotations

import pytest
from fllc_server.catalog.barcodes import InvalidBarcode, expand_upc_e, gs1_check_digit, normalise_barcode
from fllc_server.catalog.repository import mysql_term_hits, search_parameters
from fllc_server.catalog.search import ProductQuery, escape_like, fts5_name_query, words
from sqlalchemy.dialects import mysql


@pytest.mark.parametrize(
    ("payload", "digit"),
    [("400638133393", 1), ("9638507", 4), ("03600029145", 2), ("1061414100041", 5), ("000000000000", 0)],
)
def test_check_digit(payload: str, digit: int) -> None:
    assert gs1_check_digit(payload) == digit


@pytest.mark.parametrize(
    ("code", "stored"),
    [
        ("4006381333931", "4006381333931"),
        ("96385074", "0000096385074"),
        ("036000291452", "0036000291452"),
        ("04006381333931", "4006381333931"),
        ("10614141000415", "10614141000415"),
    ],
)
def test_normalise(code: str, stored: str) -> None:
    assert normalise_barcode(code) == stored


@pytest.mark.parametrize(
    "code", ["4006381333932", "96385075", "1234567", "123456789012345", "40063813339a1", "", "٤٠٠٦٣٨١٣٣٣٩٣١"]
)
def test_normalise_rejects(code: str) -> None:
    with pytest.raises(InvalidBarcode):
        normalise_barcode(code)


def test_upc_e_expansion() -> None:
    assert expand_upc_e("04252614") == "042100005264"
    with pytest.raises(InvalidBarcode):
        expand_upc_e("04252615")


def test_words_split_like_the_fts_tokenizer() -> None:
    assert words('"Claw-hammer" AND(steel*)') == ["claw", "hammer", "and", "steel"]
    assert words('* ( ) : ^ "') == []
    assert len(words(" ".join(["w"] * 50))) == 8


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_name_query(["near", "or"]) == 'name : ("near" AND "or"*)'


def test_mysql_word_lookup_is_one_index_range_per_word_with_the_last_a_prefix() -> None:
    sql = str(mysql_term_hits(4).compile(dialect=mysql.dialect()))
    assert sql.count("products_fts_terms AS w") == 4
    assert "w0.term = %s" in sql
    assert "w1.term = %s" in sql
    assert "w2.term = %s" in sql
    assert "w3.term LIKE %s ESCAPE '!'" in sql
    assert "MATCH" not in sql
    values = search_parameters(ProductQuery(q="the TV, wall br_"))
    assert [values[f"term{i}"] for i in range(4)] == ["the", "tv", "wall", "br%"]
    assert values["sku_prefix"] == "the TV, wall br!_%"
    assert values["fts_query"] == 'name : ("the" AND "tv" AND "wall" AND "br"*)'


def test_escape_like() -> None:
    assert escape_like("50%_off!") == "50!%!_off!!"
