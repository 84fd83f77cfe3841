"""Folding for matching keeps a map back to the original offsets."""
from transforms.arabic_fold import fold, fold_word


def test_fold_letters_digits_quotes_and_inner_dots():
    text = "انشقـ.ـاق ستَّةَ عناصر من “قسد” #جيش_العشائر ١٢ إلى الرقة"
    folded, index = fold(text)
    assert folded.split() == ["انشقاق", "سته", "عناصر", "من", "قسد", "جيش", "العشاير", "12",
                              "الي", "الرقه"]
    assert len(index) == len(folded) + 1 and index[-1] == len(text)
    start = folded.index("قسد")
    assert text[index[start]:index[start + 3]] == "قسد"
    start = folded.index("12")
    assert text[index[start]:index[start + 2]] == "١٢"


def test_fold_word_collapses_spaces():
    assert fold_word("  مدينة   البوكمال ") == "مدينه البوكمال"
