"""Sentence and clause splitting of news Arabic, with offsets into the original text."""
from transforms.sentences import split_clauses, split_sentences


def test_sentences_keep_offsets_and_paragraphs():
    text = "عنوان الخبر\n\nفرّ ثلاثة عناصر من الحاجز. وأكد المصدر ذلك؟ نعم!\nفقرة ثانية هنا"
    spans = split_sentences(text)
    assert [s.text for s in spans] == ["عنوان الخبر", "فرّ ثلاثة عناصر من الحاجز.",
                                       "وأكد المصدر ذلك؟", "نعم!", "فقرة ثانية هنا"]
    assert all(text[s.start:s.end] == s.text for s in spans)
    assert spans[0].paragraph < spans[1].paragraph < spans[4].paragraph


def test_dots_inside_words_and_numbers_do_not_split():
    text = "أعلن عناصر انشقـ.ـاقهم عن الفصيل وقبضوا 2.5 مليون ليرة.وأضاف المصدر أن الأمر تكرر"
    spans = split_sentences(text)
    assert len(spans) == 2
    assert spans[0].text.endswith("ليرة.")
    assert spans[1].text.startswith("وأضاف")


def test_stop_followed_by_comma_ends_the_sentence():
    spans = split_sentences("شملت الانشقاقات فصائل أخرى أيضاً.، حيث سُجل فرار عنصرين")
    assert [s.text for s in spans] == ["شملت الانشقاقات فصائل أخرى أيضاً.", "حيث سُجل فرار عنصرين"]


def test_clauses_split_at_arabic_commas_with_document_offsets():
    text = "مقدمة. فرّ العناصر، وتوجهوا إلى الضفة الأخرى؛ ثم اختفوا"
    sentence = split_sentences(text)[1]
    clauses = split_clauses(sentence)
    assert [c.text for c in clauses] == ["فرّ العناصر", "وتوجهوا إلى الضفة الأخرى", "ثم اختفوا"]
    assert all(text[c.start:c.end] == c.text for c in clauses)


def test_hard_wrapped_line_inside_a_quote_or_after_an_open_word_does_not_split():
    text = ("فرّ ضابط من \"كتيبة\nالمدفعية\" في ريف المدينة.\nوأشار مصدر محلي إلى أن\n"
            "العنصرين انشقا أمس.\nعنوان قصير\nوقال المصدر إن الحاجز سقط")
    spans = split_sentences(text)
    assert [s.text for s in spans] == [
        "فرّ ضابط من \"كتيبة\nالمدفعية\" في ريف المدينة.",
        "وأشار مصدر محلي إلى أن\nالعنصرين انشقا أمس.", "عنوان قصير",
        "وقال المصدر إن الحاجز سقط"]
    assert all(text[s.start:s.end] == s.text for s in spans)
    assert spans[0].paragraph == 0 and spans[-1].paragraph > spans[1].paragraph
