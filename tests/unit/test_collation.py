"""Chinese collation: lists in pinyin order (汉语拼音排序), not by code point."""

from __future__ import annotations

from services.shared.collation import pinyin_key, sorted_by_pinyin


def test_names_sort_by_their_pinyin_not_their_code_points() -> None:
    names = ["张家口", "重庆", "阿坝", "北京", "长沙", "银行开户"]
    # code points: meaningless to a reader
    assert sorted(names) == ["北京", "张家口", "重庆", "银行开户", "长沙", "阿坝"]
    # 重庆 is chóng qìng and 长沙 cháng shā in context; 银行 yín háng
    assert sorted_by_pinyin(names) == ["阿坝", "北京", "长沙", "重庆", "银行开户", "张家口"]


def test_tones_then_characters_break_ties() -> None:
    assert sorted_by_pinyin(["妈妈", "骂人", "马车", "麻烦"]) == ["妈妈", "麻烦", "马车", "骂人"]
    assert pinyin_key("事") != pinyin_key("市")  # same reading, still a stable order


def test_digits_first_letters_among_syllables_punctuation_passed_over() -> None:
    names = ["《出生医学证明》首次签发", "ICP备案", "80周岁以上老年人高龄津贴", "城市道路占用",
             "安全评价"]
    assert sorted_by_pinyin(names) == ["80周岁以上老年人高龄津贴", "安全评价", "城市道路占用",
                                       "《出生医学证明》首次签发", "ICP备案"]


def test_a_prefix_sorts_first_and_key_picks_the_text() -> None:
    assert sorted_by_pinyin(["备案（县级）", "备案"]) == ["备案", "备案（县级）"]
    rows = [("区住建局", 62), ("区人社局", 144), ("区残联", 13)]
    assert sorted_by_pinyin(rows, key=lambda r: r[0]) == [
        ("区残联", 13), ("区人社局", 144), ("区住建局", 62)]
