"""Armed groups as data: aliases, spelling variants, parents, numbered divisions."""
import re

import pytest
import yaml

from transforms import actors
from transforms.normalize import fold, fold_word


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


# ----------------------------------------------------------------------------- the whole table

SIDES = {"regime", "iran_backed", "russian_backed", "sdf", "sna", "hts", "opposition", "isis",
         "tribal", "other"}


def raw_table() -> dict:
    return yaml.safe_load(actors.DATA.read_text(encoding="utf-8"))


def test_every_actor_has_a_side_and_a_resolvable_parent():
    table = actors.table()
    assert len(table.by_id) >= 250
    for info in table.by_id.values():
        assert info.side in SIDES, info.id
        assert info.kind in ("group", "side"), info.id
        if info.parent is not None:
            assert info.parent in table.by_id, (info.id, info.parent)
            assert table.by_id[info.parent].kind == "group", info.id
        chain = actors.ancestors(info.id)
        assert info.id not in chain and len(chain) == len(set(chain)), info.id


def test_every_side_is_covered():
    by_side: dict[str, int] = {}
    for info in actors.table().by_id.values():
        if info.kind == "group":
            by_side[info.side] = by_side.get(info.side, 0) + 1
    assert set(by_side) == SIDES
    assert all(by_side[s] >= 5 for s in SIDES - {"other"}), by_side


def test_no_alias_belongs_to_two_actors():
    owners: dict[str, set[str]] = {}
    for item in raw_table()["actors"]:
        for alias in [item["name_ar"], *item.get("aliases", [])]:
            key = fold_word(re.sub(r"\(.*?\)", "", alias)).lower()
            owners.setdefault(key, set()).add(item["id"])
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert not shared


def test_deliberate_ambiguities_read_as_documented():
    table = actors.table()
    ambiguous = raw_table()["ambiguous"]
    assert len(ambiguous) >= 10
    for name, entry in ambiguous.items():
        for other in entry["also"]:
            assert other in table.by_id, (name, other)
        mentions = actors.find_actors(fold(name)[0])
        whole = [m for m in mentions if m.start == 0 and m.end == len(fold(name)[0])]
        if entry["reads"] is None:
            assert not whole, (name, [m.actor.id for m in mentions])
        else:
            assert [m.actor.id for m in whole] == [entry["reads"]], name


def test_numbered_division_pattern_is_on_the_regime_side():
    (mention,) = actors.find_actors(fold("الفرقة 8")[0])
    assert (mention.actor.id, mention.actor.side) == ("division_8", "regime")


@pytest.mark.parametrize("text, actor_id, side, parent", [
    # the regime: army units, security branches, militias
    ("انشقاق عنصرين من اللواء 105 حرس جمهوري", "rg_brigade_105", "regime", "republican_guard"),
    ("مقاتلون من اللواء الـ104", "rg_brigade_104", "regime", "republican_guard"),
    ("جنود من الفرقة الـ17", "division_17", "regime", "regime"),
    ("عناصر الفوج 137 في دير الزور", "regiment_137", "regime", "division_17"),
    ("حصار الفوج 46 غرب حلب", "regiment_46", "regime", "special_forces"),
    ("معتقل في فرع فلسطين", "palestine_branch", "regime", "military_security"),
    ("دورية للأمن الجنائي", "criminal_security", "regime", "regime_police"),
    ("عناصر من ميليشيا صقور الصحراء", "desert_hawks", "regime", "regime"),
    ("مقاتلو كتائب البعث", "baath_brigades", "regime", "regime"),
    ("قائد في درع القلمون", "qalamoun_shield", "regime", "regime"),
    ("طيار من القوى الجوية", "syrian_air_force", "regime", "regime"),
    # Iran
    ("عناصر لواء أبو الفضل العباس", "abu_fadl_abbas", "iran_backed", "irgc"),
    ("مقاتلون من حركة النجباء العراقية", "nujaba", "iran_backed", "irgc"),
    ("عناصر في كتائب حزب الله", "kataib_hezbollah", "iran_backed", "irgc"),
    ("عصائب أهل الحق", "asaib", "iran_backed", "irgc"),
    ("عناصر اللواء 313", "brigade_313", "iran_backed", "irgc"),
    ("قوات الدفاع المحلي في حلب", "local_defence_forces", "iran_backed", "irgc"),
    # Russia
    ("مرتزقة فاغنر", "wagner", "russian_backed", "russian_forces"),
    ("اللواء الثامن في بصرى الشام", "eighth_brigade", "russian_backed", "military_security"),
    ("الفرقة 25 مهام خاصة", "tiger_forces", "russian_backed", "regime"),
    # the SDF
    ("وحدات حماية المرأة", "ypj", "sdf", "sdf"),
    ("مجلس هجين العسكري", "hajin_military_council", "sdf", "dez_military_council"),
    ("مجلس الباب العسكري", "al_bab_military_council", "sdf", "sdf"),
    ("مجلس تل أبيض العسكري", "tell_abyad_military_council", "sdf", "sdf"),
    ("عناصر من جيش الثوار", "jaysh_al_thuwar", "sdf", "sdf"),
    ("لواء ثوار الرقة", "raqqa_revolutionaries", "sdf", "sdf"),
    ("قوات حماة الجزيرة", "hxp", "sdf", "sdf"),
    # the SNA
    ("فرقة السلطان مراد", "sultan_murad", "sna", "sna"),
    ("فصيل العمشات", "amshat", "sna", "sna"),
    ("جيش الشرقية", "jaysh_al_sharqiya", "sna", "sna"),
    ("صقور الشمال", "suqour_al_shamal", "sna", "sna"),
    ("هيئة ثائرون للتحرير", "thaeroun", "sna", "sna"),
    ("الجبهة الوطنية للتحرير", "national_liberation_front", "sna", "sna"),
    ("الشرطة العسكرية التابعة للجيش الوطني", "sna_military_police", "sna", "sna"),
    ("الفيلق الثاني", "sna_second_legion", "sna", "sna"),
    # HTS and its predecessors
    ("عناصر جبهة النصرة", "jabhat_al_nusra", "hts", None),
    ("جبهة فتح الشام", "jabhat_fateh_al_sham", "hts", None),
    ("تنظيم حراس الدين", "hurras_al_din", "hts", None),
    ("جيش الأحرار", "jaysh_al_ahrar", "hts", "hts"),
    # the opposition, 2011-2018
    ("لواء الضباط الأحرار", "free_officers", "opposition", "fsa"),
    ("حركة نور الدين الزنكي", "zenki", "opposition", None),
    ("جيش العزة", "jaysh_al_izza", "opposition", None),
    ("قوات شباب السنة", "shabab_al_sunna", "opposition", "southern_front"),
    ("فيلق الرحمن", "faylaq_al_rahman", "opposition", None),
    ("اللجنة المركزية في درعا", "daraa_central_committee", "opposition", None),
    # ISIS, tribes, Suwayda
    ("عناصر ولاية الخير", "isis_wilayat_khayr", "isis", "isis"),
    ("جيش خالد بن الوليد", "jaysh_khalid", "isis", "isis"),
    ("مجلس القبائل والعشائر", "tribes_council", "tribal", None),
    ("حركة رجال الكرامة", "rijal_al_karama", "other", "suwayda_factions"),
    ("المجلس العسكري في السويداء", "suwayda_military_council", "other", "suwayda_factions"),
])
def test_units_of_every_side(text, actor_id, side, parent):
    found = [m.actor for m in actors.find_actors(fold(text)[0])]
    assert [a.id for a in found] == [actor_id], text
    assert (found[0].side, found[0].parent) == (side, parent)


def test_units_keep_their_whole_chain():
    assert actors.ancestors("hajin_military_council") == ["dez_military_council", "sdf"]
    assert actors.ancestors("rg_brigade_105") == ["republican_guard", "regime"]
    assert actors.related("sdf", "hajin_military_council")
    assert not actors.related("jabhat_al_nusra", "hts")  # predecessors, not parts


def test_every_canonical_name_reads_as_its_own_actor():
    for info in actors.table().by_id.values():
        name = fold(re.sub(r"\(.*?\)", "", info.name_ar).strip())[0]
        whole = [m.actor.id for m in actors.find_actors(name)
                 if m.start == 0 and m.end == len(name)]
        assert whole == [info.id], (info.id, info.name_ar)
