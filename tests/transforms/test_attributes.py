"""Weapons, commanders, reasons and consequences from folded text."""
from transforms import attributes
from transforms.normalize import fold_word


def test_weapons():
    assert attributes.with_weapons(fold_word("فرّوا بكامل عتادهم")) is True
    assert attributes.with_weapons(fold_word("انشقوا حاملين أسلحتهم الفردية")) is True
    assert attributes.with_weapons(fold_word("فرّوا دون أسلحتهم")) is False
    assert attributes.with_weapons(fold_word("فرّوا ليلاً")) is None


def test_commander():
    assert attributes.includes_commander(fold_word("بينهم قيادي ميداني"))
    assert attributes.includes_commander(fold_word("انشق العقيد قائد الكتيبة"))
    assert not attributes.includes_commander(fold_word("انشق عشرة عناصر"))


def test_reasons_taxonomy():
    text = fold_word("بسبب إرسالهم إلى الجبهات وتأخر الرواتب وسوء المعاملة وحملات التجنيد "
                     "وتكرار الاغتيالات وبالتنسيق مع الطرف الآخر")
    assert attributes.reasons(text) == [
        "frontline_deployment", "mistreatment", "unpaid_or_low_pay", "security_situation",
        "conscription", "coordination_with_other_side"]


def test_consequences():
    text = fold_word("داهمت الدوريات منازلهم واعتقلت عدداً من أقاربهم")
    assert attributes.consequences(text) == ["raids", "arrests_of_relatives"]
    assert attributes.consequences(fold_word("عاد الهدوء إلى البلدة")) == []


def test_dual_commanders_and_officers():
    assert attributes.includes_commander(fold_word("أعلن قياديان في الفصيل انشقاقهما"))
    assert attributes.includes_commander(fold_word("انشق ضابطان برتبة ملازم"))
    assert attributes.includes_commander(fold_word("فرّ نقيبان من الكتيبة"))
