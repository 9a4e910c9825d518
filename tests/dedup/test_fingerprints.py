"""Text signatures: tokens, winnowed fingerprints, quotations (transforms/dedup/fingerprints.py)."""
import random

import xxhash

from tests.conftest import seed_texts
from transforms.dedup.fingerprints import (TERM_BUCKETS, analyse, containment, fingerprints,
                                           is_content_word, normalise_text, quoted_starts,
                                           quoted_tokens, shingle_hashes, tokens, winnow,
                                           words_and_flags)


def test_typography_does_not_change_tokens():
    assert normalise_text("“Quote” — it’s") == '"quote" - it\'s'
    assert tokens("It’s “fine”") == tokens("it's \"fine\"")


def test_winnowing_keeps_one_hash_per_window():
    hashes = [5, 3, 8, 1, 9, 7, 2, 6]
    assert {hashes[i] for i in winnow(hashes, 3)} == {3, 1, 2}
    assert winnow([4, 2], 5) == {0, 1}


def test_winnowing_keeps_the_leftmost_minimum_of_each_window_as_defined():
    rng = random.Random(7)
    for _ in range(200):
        hashes = [rng.randrange(6) for _ in range(rng.randrange(0, 40))]   # many ties
        naive = set(range(len(hashes))) if len(hashes) <= 5 else {
            s + hashes[s:s + 5].index(min(hashes[s:s + 5])) for s in range(len(hashes) - 4)}
        assert winnow(hashes) == naive


def test_a_shingle_hash_is_the_hash_of_its_words_joined_by_spaces():
    words = ["zürich", "ΟΔΟΣ", "it's", "東京", "a", "b", "c", "d", "e"]
    expected = [xxhash.xxh64_intdigest(" ".join(words[i:i + 3]).encode("utf-8")) & ((1 << 63) - 1)
                for i in range(len(words) - 2)]
    assert shingle_hashes(words, 3) == expected
    assert shingle_hashes(words[:2], 3) == []


def test_quoted_starts_are_the_windows_wholly_inside_quotes():
    flags = [False, True, True, True, False, True, True]
    assert quoted_starts(flags, 2) == [1, 2, 5]
    assert quoted_starts(flags, 3) == [1]
    assert quoted_starts([], 3) == []


def test_any_shared_run_of_12_words_shares_a_fingerprint():
    run = "the minister said the talks would resume next week in the capital"
    a = "alpha beta gamma delta epsilon zeta eta theta " + run + " one two three four five"
    b = "lorem ipsum dolor sit amet consectetur adipiscing " + run + " sed do eiusmod tempor"
    assert fingerprints(a) & fingerprints(b)


def test_seed_pair_quote_signals():
    jns, toi, _ = seed_texts()
    a, b = analyse(jns), analyse(toi)
    assert len(set(a.quoted_shingles) & set(b.quoted_shingles)) >= 25
    assert len(set(a.quoted) & set(b.quoted)) >= 3


def test_quotes_are_found_in_double_single_and_guillemet_styles():
    for text in ['He said "we will rebuild the bridge before winter ends" on Monday.',
                 "He said \u2018we will rebuild the bridge before winter ends\u2019 on Monday.",
                 "Il a dit \u00abwe will rebuild the bridge before winter ends\u00bb lundi."]:
        flags = [q for w, q in quoted_tokens(text) if w in ("rebuild", "monday", "lundi")]
        assert flags[0] is True and flags[-1] is False
    assert not any(q for _, q in quoted_tokens("The players\u2019 union and the club\u2019s owner"))


def test_an_apostrophe_inside_a_word_is_not_a_closing_quote():
    text = "\u2018It\u2019s over,\u2019 the players\u2019 union said. \u201cWe\u2019re done\u201d"
    assert quoted_tokens(text) == [("it's", True), ("over", True), ("the", False),
                                   ("players", False), ("union", False), ("said", False),
                                   ("we're", True), ("done", True)]
    # lower case word by word: a final sigma stays final, a dotted capital I keeps its dot
    assert tokens("\u039f\u0394\u039f\u03a3 \u0130stanbul") == [
        "\u03bf\u03b4\u03bf\u03c2", "i\u0307stanbul"]


# Written for this test (not copied): a short Japanese news paragraph, three times over with
# other numbers, so that it is long enough for fingerprints.
JAPANESE = "\n".join(
    f"市の発表によると、{n}日午後に中心部の交差点で信号機が故障し、通勤時間帯の道路が"
    f"大きく混雑した。担当者は「原因を調べて早急に復旧したい」と話しており、周辺の学校では"
    f"下校時刻を遅らせる対応が取られた。" for n in ("三", "四", "五"))


def test_scripts_without_spaces_count_characters_so_an_edited_copy_stays_a_copy():
    words, _ = words_and_flags("東京都は新しい計画を発表した。Tokyo 2025年、한국어 문장")
    assert words[:4] == ["東", "京", "都", "は"]
    assert "tokyo" in words and "한국어" in words            # spaced scripts keep their words
    edited = JAPANESE.replace("交差点", "交差占").replace("混雑", "渋滞", 1)
    original, copy = fingerprints(JAPANESE), fingerprints(edited)
    assert containment(len(original & copy), len(original), len(copy)) >= 0.6
    assert fingerprints(JAPANESE.replace("。", "．")) == original  # punctuation is no word


def test_corner_brackets_are_quotation_marks():
    words, flags = words_and_flags("担当者は「原因を調べたい」と話した")
    quoted = "".join(w for w, q in zip(words, flags) if q)
    assert quoted == "原因を調べたい"
    assert analyse(JAPANESE).quoted_shingles                 # quotes feed the story rule
    assert analyse(JAPANESE).terms                           # and so do character pairs


def _terms(text):
    """The words and character pairs a text's topic vector counts, by their hashes."""
    return {b for b, _ in analyse(text).terms}


def _bucket(term):
    return xxhash.xxh32_intdigest(term.encode("utf-8")) % TERM_BUCKETS


def test_stop_words_of_other_scripts_are_not_topic_terms():
    russian = "Президент заявил, который также сообщил, что переговоры продолжатся завтра."
    assert _bucket("который") not in _terms(russian) and _bucket("президент") in _terms(russian)
    chinese = "我们认为这个计划非常重要，我们将继续推进改革。"
    assert _bucket("我们") not in _terms(chinese) and _bucket("改革") in _terms(chinese)
    arabic = "قال الوزير إن الحكومة التي أعلنت الخطة ستبدأ العمل الأسبوع المقبل"
    assert _bucket("التي") not in _terms(arabic) and _bucket("الحكومة") in _terms(arabic)


def test_korean_words_of_two_and_three_syllables_are_topic_terms():
    korean = "대통령은 그리고 국회에서 예산안을 발표했다"
    assert is_content_word("대통령은") and is_content_word("국회에서")
    assert is_content_word("예산") and not is_content_word("그리고")
    assert _bucket("대통령은") in _terms(korean)


def test_latin_script_words_keep_the_european_rules():
    """Other scripts' lists add no Latin word, so English and European texts keep their
    signatures (and every copy and story figure measured on them)."""
    assert all(not is_content_word(w) for w in ("said", "would", "nicht", "pour", "como"))
    assert all(is_content_word(w) for w in ("data", "minister", "film", "total"))
    assert not is_content_word("war")                       # 3 letters, as before
