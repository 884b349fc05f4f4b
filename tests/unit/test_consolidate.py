"""Statements several units wrote alike are written once, naming the units."""

from __future__ import annotations

from domain.consolidate import Grouped, group_statements, statement_key

A, B, C = "Văn phòng Sở", "Thanh tra Sở", "Phòng Quản lý Khoa học"


def test_identical_statements_are_one_naming_each_unit_once() -> None:
    grouped = group_statements(
        [(A, "Thiếu nhân lực."), (B, "Thiếu nhân lực."), (A, "Thiếu nhân lực."), (C, "Khác.")]
    )
    assert grouped == [
        Grouped(text="Thiếu nhân lực.", units=[A, B]),
        Grouped(text="Khác.", units=[C]),
    ]


def test_case_spacing_trailing_punctuation_and_diacritics_do_not_matter() -> None:
    variants = [
        "Nhân lực còn kiêm nhiệm.",
        "nhân lực  còn KIÊM NHIỆM",
        "Nhan luc con kiem nhiem;",
        "Nhân lực còn kiêm nhiệm …",
    ]
    grouped = group_statements([(f"Đơn vị {i}", text) for i, text in enumerate(variants)])
    assert len(grouped) == 1
    assert grouped[0].text == variants[0]  # the first wording is kept
    assert grouped[0].units == [f"Đơn vị {i}" for i in range(4)]


def test_different_figures_or_words_in_parentheses_stay_apart() -> None:
    grouped = group_statements([(A, "Đăng tin (12 tin)."), (B, "Đăng tin (3 tin).")])
    assert [g.text for g in grouped] == ["Đăng tin (12 tin).", "Đăng tin (3 tin)."]


def test_the_offices_own_wording_names_no_unit_and_blanks_are_dropped() -> None:
    grouped = group_statements([("", "Đề nghị hỗ trợ kinh phí."), (A, "  "), (B, "...")])
    assert grouped == [Grouped(text="Đề nghị hỗ trợ kinh phí.", units=[])]


def test_statement_key_folds_the_letter_d() -> None:
    assert statement_key("Đề nghị đào tạo.") == statement_key("de nghi dao tao")
