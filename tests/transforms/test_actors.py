"""Armed groups as data: aliases, spelling variants, parents, numbered divisions."""
import pytest

from transforms import actors
from transforms.arabic_fold import fold


def ids(text: str) -> list[str]:
    return [m.actor.id for m in actors.find_actors(fold(text)[0])]


@pytest.mark.parametrize("text, actor_id", [
    ("عناصر من ميليشيا الدفاع الوطني", "ndf"),
    ("عناصر من قوات الأسد", "regime"),
    ("جنود من جيش النظام", "regime"),
    ("مقاتلون من الفرقة الرابعة", "division_4"),
    ("مقاتلون من الفرقة 4", "division_4"),
    ("عناصر من الحرس الجمهوري", "republican_guard"),
    ("عناصر #جيش_العشائر", "tribal_army"),
    ("عناصر فيلق العشائر", "tribal_corps"),
    ("دورية للأمن العسكري", "military_security"),
    ("فرع المخابرات الجوية", "air_force_intelligence"),
    ("عناصر من الفوج 47", "brigade_47"),
    ("عناصر «فاطميون» الأفغانية", "fatemiyoun"),
    ("لواء الباقر", "liwa_al_baqir"),
    ("مناطق سيطرة «قسد»", "sdf"),
    ("قوات سورية الديموقراطية", "sdf"),
    ("عناصر الأسايش", "asayish"),
    ("مجلس دير الزور العسكري", "dez_military_council"),
    ("فصائل الجيش الوطني السوري", "sna"),
    ("هيئة تحرير الشام", "hts"),
    ("تنظيم داعش", "isis"),
    ("مقاتلون من الفيلق الخامس", "fifth_corps"),
    ("مقاتلو ميليشيا القاطرجي", "qaterji"),
])
def test_aliases(text, actor_id):
    assert actor_id in ids(text)


def test_tribal_army_and_tribal_corps_are_two_groups():
    army, corps = actors.get("tribal_army"), actors.get("tribal_corps")
    assert army.name_ar == "جيش العشائر" and corps.name_ar == "فيلق العشائر"
    assert ids("جيش العشائر وفيلق العشائر") == ["tribal_army", "tribal_corps"]


def test_proclitics_and_longest_alias():
    text = "وللحرس الثوري الإيراني وبالدفاع الوطني"
    assert ids(text) == ["irgc", "ndf"]
    assert ids("الجيش السوري الحر") == ["fsa"]


def test_parents_and_relations():
    assert actors.ancestors("brigade_47") == ["irgc"]
    assert actors.ancestors("ndf") == ["regime"]
    assert actors.related("regime", "ndf") and not actors.related("ndf", "sdf")


def test_numbered_divisions_not_in_the_table():
    mentions = actors.find_actors(fold("ضباط من الفرقة العاشرة والفرقة 11")[0])
    assert [m.actor.id for m in mentions] == ["division_10", "division_11"]
    assert mentions[0].actor.parent == "regime"
    assert "10" in mentions[0].actor.name_ar


def test_sides_are_destinations_not_groups():
    assert actors.get("turkey").kind == "side"
    assert ids("فرّوا إلى الأراضي التركية") == ["turkey"]
