"""Features of the sentence scorer (transforms.incidents.sentence_features), invented examples."""
from schemas.records import Document
from transforms.analysis import analyse_document
from transforms.incidents import sentence_features


def _features(text: str, pos: int) -> dict:
    sentences = analyse_document(Document(doc_id="x", text=text))
    return sentence_features(sentences, pos)


def _plain(text: str) -> bool:
    """Whether the one sentence of ``text`` meets the plain-act floor (kept whatever its score)."""
    from transforms.extract import plain_act
    return plain_act(analyse_document(Document(doc_id="x", text=text)), 0)


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


def test_an_announcement_far_before_the_act_is_seen():
    # the unit's description stands between the verb and the act: "announced" (3 words) misses it
    text = "أعلنت كتيبة النور العاملة ضمن صفوف لواء الفجر في ريف المدينة الشمالي، انشقاقها عن اللواء."
    f = _features(text, 0)
    assert f.get("announce_in_sentence") == 1.0
    assert "announced" not in f


def test_no_announcement_no_flag():
    f = _features("انشقت كتيبة النور عن لواء الفجر في ريف المدينة الشمالي.", 0)
    assert "announce_in_sentence" not in f


def _group_features(text: str) -> dict:
    from transforms.incidents import document_group_counts, group_candidates, group_features
    sentences = analyse_document(Document(doc_id="x", text=text))
    counts = document_group_counts(sentences)
    return {c.mention.surface: group_features(sentences, c, counts)
            for c in group_candidates(sentences, 0) if c.mention is not None}


def test_a_candidate_knows_its_rival_is_the_one_joined():
    by_name = _group_features("انشق عشرون عنصراً من جيش الإسلام وانضموا إلى فيلق الرحمن في الغوطة.")
    left, joined = by_name["جيش الإسلام"], by_name["فيلق الرحمن"]
    assert left.get("other_rel=to") == 1.0 and "other_rel=from" not in left
    assert joined.get("other_rel=from") == 1.0 and "other_rel=to" not in joined


def test_a_count_described_as_defectors_is_no_plain_act():
    # "منشقون عن X" says who the people are, it tells no act: the scorer decides, not the
    # plain-act floor; a counted act with its unit still is one
    assert not _plain("يعمل في المراكز 900 عنصر أغلبهم منشقون عن قوات النظام.")
    assert _plain("انشق 12 عنصراً من قوات النظام في البلدة.")


def test_a_counted_surrender_is_no_plain_act():
    # fighters giving themselves up after a siege may be a defeat as well as a switch of sides:
    # the sentence scorer weighs it, the plain-act floor does not lift it
    assert not _plain("استسلم 40 مسلحاً من قوات النظام في البلدة بعد حصار دام أسبوعين.")


def test_capture_after_the_act_is_seen_in_its_sentence_and_the_next():
    text = ("حاول ثمانية عناصر من الفوج الفرار نحو الحدود ليلاً، ليتم القبض عليهم عند الحاجز. "
            "وقال مصدر إن الدورية اعتقلتهم جميعاً.")
    f = _features(text, 0)
    assert f.get("capture_after") == 1.0
    assert f.get("capture_next") == 1.0
    f = _features("انشق ثمانية عناصر من الفوج ووصلوا إلى البلدة بسلام.", 0)
    assert "capture_after" not in f and "capture_next" not in f


def test_a_recap_opener_is_seen_only_at_the_start():
    f = _features("يذكر أن القائد انشق عن الفصيل قبل عامين وشكّل مجموعة جديدة.", 0)
    assert f.get("recap_opener") == 1.0
    f = _features("والجدير بالذكر أن عشرة عناصر انشقوا عن اللواء في وقت سابق.", 0)
    assert f.get("recap_opener") == 1.0
    f = _features("انشق القائد عن الفصيل، ويذكر أنه قاد معارك عدة.", 0)
    assert "recap_opener" not in f


def test_a_settlement_in_the_sentence_is_seen():
    f = _features("أجرى 300 شاب بينهم منشقون عن الجيش تسويات لأوضاعهم في البلدة.", 0)
    assert f.get("settlement") == 1.0
    f = _features("وشمل مرسوم العفو الفارين من الخدمة في الجيش.", 0)
    assert f.get("settlement") == 1.0
    f = _features("انشق 30 عنصراً عن الجيش في البلدة.", 0)
    assert "settlement" not in f


def test_an_announced_own_act_is_a_plain_act():
    # "أعلنت كتيبة X … انشقاقها عن Y": the act's noun bears the announcer's pronoun and the unit
    # left follows it, a plain report even without a count; a bare noun reported by others is not
    assert _plain("أعلنت كتيبة \"الفجر\" العاملة في ريف حماة، انشقاقها عن فرقة السلطان مراد.")
    assert not _plain("تحدثت صفحات محلية عن انشقاق في فرقة السلطان مراد.")


def test_a_unit_leaving_another_by_verb_is_a_plain_act():
    # "انشقت كتيبة X عن Y": the verb with the unit that acted and the one it left is a plain
    # report without a count; the verb with only the unit left is for the scorer to weigh
    assert _plain("انشقت كتيبة \"الفجر\" عن فرقة السلطان مراد في ريف حلب.")
    assert not _plain("قالوا إنه انشق عن فرقة السلطان مراد.")


def test_a_flight_before_an_advance_is_no_plain_act():
    # two units and a verb of flight, but neither the men nor a unit left (عن/من after the verb)
    # is tied to it: leaders fleeing before the other side arrives, for the scorer to weigh
    assert not _plain("وكانت قيادات لواء القدس هربت قبل وصول قوات الفرقة الرابعة إلى البلدة.")
    # the verb before its subject, the unit left after both: still a plain act
    assert _plain("انشق القيادي أبو خالد عن فرقة السلطان مراد والتحق بالجيش الوطني.")


def test_the_word_after_the_trigger_is_told_apart_by_the_triggers_kind():
    # "انشقاقه عن X" tells an act, "المنشقين عن X" names people: the scorer weighs them apart
    act = _features("أعلن الملازم سامر انشقاقه عن قوات النظام.", 0)
    assert act.get("trigger_then_from=noun") == 1.0
    assert "trigger_then_from=participle" not in act
    named = _features("استقبلت البلدة العشرات من المنشقين عن قوات النظام.", 0)
    assert named.get("trigger_then_from=participle") == 1.0


def test_the_act_named_with_the_article_is_seen():
    # "سبب الفرار", "عملية الانشقاق": the act told already, by its name; "انشقاق 20 عنصراً"
    # and "انشقاقهم" tell it now
    f = _features("وقال المصدر إن سبب الفرار هو تأخر الرواتب في الكتيبة.", 0)
    assert f.get("main_definite") == 1.0
    f = _features("وجاءت عملية الانشقاق بعد خلافات داخل الفوج.", 0)
    assert f.get("main_definite") == 1.0
    assert "main_definite" not in _features("أفادت مصادر بانشقاق 20 عنصراً عن الفوج في البلدة.", 0)
    assert "main_definite" not in _features("أعلن الملازم سامر انشقاقه عن قوات النظام.", 0)


def test_joining_alone_is_told_apart_from_joining_after_leaving_a_unit():
    # "انضم 300 شاب إلى X": recruits; "انضم 20 عنصراً من Y إلى X" or "انشقوا وانضموا" is a switch
    f = _features("انضم 300 شاب من أبناء البلدة إلى قوات الدفاع الذاتي بعد دورة تدريبية.", 0)
    assert f.get("join_only") == 1.0
    f = _features("انضم 20 عنصراً من الفرقة الرابعة إلى فصائل المعارضة.", 0)
    assert "join_only" not in f
    f = _features("انشق 20 عنصراً وانضموا إلى فصائل المعارضة في الريف.", 0)
    assert "join_only" not in f
