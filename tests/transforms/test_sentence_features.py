"""Features of the sentence scorer (transforms.incidents.sentence_features), invented examples."""
from schemas.records import Document
from transforms.analysis import analyse_document
from transforms.incidents import sentence_features


def _features(text: str, pos: int) -> dict:
    sentences = analyse_document(Document(doc_id="x", text=text))
    return sentence_features(sentences, pos)


def test_the_other_sentences_of_a_denial_report_are_cancelled():
    text = ("نفى المتحدث باسم الفصيل انشقاق أي من مقاتليه. "
            "وقال إن عشرة عناصر انشقوا عن الكتيبة في القرية بحسب صفحات موالية.")
    f = _features(text, 1)
    assert f.get("doc_other_cancel=denial") == 1.0
    assert f.get("doc_others_all_cancelled") == 1.0


def test_a_report_with_other_live_acts_has_no_all_cancelled_flag():
    text = ("انشق خمسة جنود عن الفوج في البلدة. "
            "وقال مصدر إن ثلاثة آخرين انشقوا عن الفوج مساء أمس.")
    f = _features(text, 1)
    assert "doc_others_all_cancelled" not in f
    assert not any(k.startswith("doc_other_cancel=") for k in f)
