"""Report events for the dedup tests (own sentences, news style; not from the dev corpus)."""
from __future__ import annotations

from schemas.records import (
    Actor,
    DateRange,
    DefectionEvent,
    Destination,
    Evidence,
    Location,
    Source,
    stable_id,
)

NDF = {"id": "ndf", "name_ar": "الدفاع الوطني", "parent_id": "regime", "parent_ar": "قوات النظام"}
REGIME = {"id": "regime", "name_ar": "قوات النظام"}
LIWA = {"id": "liwa_baqir", "name_ar": "لواء الباقر", "parent_id": "irgc"}
SDF = {"id": "sdf", "name_ar": "قوات سوريا الديمقراطية", "name_en": "SDF"}


def report(doc: str, text: str, *, actor: dict = NDF, count: int | None = None,
           place: str | None = None, area: str | None = None, gov: str | None = "دير الزور",
           published: str | None = "2024-03-10", outlet: str | None = None,
           url: str | None = None, dest: str | None = "sdf", start: int = 0,
           date: tuple[str, str] | None = None, qualifier: str = "exact",
           weapons: bool | None = None, commander: bool | None = None,
           reasons: tuple[str, ...] = ()) -> DefectionEvent:
    """One extracted event of document ``doc``, as extraction would emit it."""
    url = url or f"https://{outlet or doc + '.example'}/news/{doc}"
    return DefectionEvent(
        event_id=stable_id(doc, start),
        actor=Actor(**actor),
        count=count,
        count_qualifier=qualifier if count is not None else "none",
        count_range=[count, count] if count is not None else None,
        includes_commander=commander,
        with_weapons=weapons,
        location=Location(name_ar=place, area_ar=area, governorate_ar=gov),
        destination=Destination(id=dest, name_ar={"sdf": "قسد", "fsa": "الجيش الحر",
                                                  "regime": "النظام"}.get(dest, dest))
        if dest else None,
        date=DateRange(start=date[0], end=date[1]) if date else DateRange(),
        reasons=list(reasons),
        evidence=[Evidence(doc_id=doc, text=text, start=start, end=start + len(text), url=url)],
        sources=[Source(doc_id=doc, url=url, outlet=outlet, published=published)],
        first_seen=published,
        last_seen=published,
    )


DUWAYR_21 = ("انشق 21 عنصرا من ميليشيا الدفاع الوطني في قرية الدوير بريف البوكمال وعبروا نهر الفرات "
             "إلى مناطق سيطرة قسد بأسلحتهم الكاملة")
DUWAYR_16 = ("أفادت مصادر محلية بفرار 16 عنصرا من الدفاع الوطني من بلدة الدوير شرقي دير الزور "
             "باتجاه الضفة الأخرى لنهر الفرات")
KHURAITA_5 = "وفي قرية الخريطة انشق خمسة عناصر من الدفاع الوطني بعد خلاف مع قائد المجموعة"
SUBAIKHAN_6 = "كما فر ستة عناصر من الدفاع الوطني في بلدة السبخة المجاورة ووصلوا إلى مناطق قسد"
EAST_125 = ("انشق 125 عنصرا من الدفاع الوطني في ريف دير الزور الشرقي خلال الأسبوعين الماضيين "
            "وفق إحصائية محلية")
OFFICER_A = ("انشق الضابط سامر الحلبي قائد كتيبة الحراسة في اللواء 17 ووصل إلى مناطق الجيش الحر "
             "برفقة مرافقه الشخصي")
OFFICER_B = ("أعلن النقيب سامر الحلبي قائد كتيبة الحراسة انشقاقه عن النظام في تسجيل مصور بثه "
             "ناشطون")
OFFICER_C = "وفي حادثة منفصلة انشق المجند رامي العبدالله من مفرزة الأمن العسكري في المنطقة ذاتها"

# A news article, a syndicated copy of it (new intro, footer, two words edited) and another
# outlet's own write-up of the same incident.
ORIGINAL = (
    "شهدت بلدة الجلاء في ريف البوكمال شرقي دير الزور مساء السبت انشقاق مجموعة من عناصر "
    "ميليشيا الدفاع الوطني بلغ عددهم واحدا وعشرين عنصرا، عبروا نهر الفرات بقارب صيد نحو "
    "الضفة الشرقية الخاضعة لسيطرة قوات سوريا الديمقراطية. وقال مصدر محلي إن المنشقين حملوا "
    "أسلحتهم الفردية وإن بينهم قائد مجموعة كان مسؤولا عن حاجز على طريق الميادين، وأضاف أن "
    "الانشقاق جاء بعد أسابيع من التوتر بسبب تأخر الرواتب ونقل عناصر إلى جبهات البادية. "
    "وردت الميليشيا بحملة مداهمات في البلدة واعتقلت ثلاثة من أقارب المنشقين، فيما شددت "
    "الحواجز المنتشرة على ضفة النهر إجراءات التفتيش ومنعت الصيادين من الإبحار ليلا."
)
COPY = (
    "خاص - دير الزور: " + ORIGINAL.replace("مساء السبت", "ليلة السبت").replace(
        "مصدر محلي", "مصدر خاص") + " تابعونا على قناتنا في تلغرام لمزيد من الأخبار."
)
REWRITE = (
    "أكدت شبكة إخبارية محلية أن نحو عشرين من مقاتلي الدفاع الوطني فروا من الجلاء قرب "
    "البوكمال إلى مناطق قسد عبر النهر، مشيرة إلى أن رواتبهم متأخرة منذ أشهر وأن قيادة "
    "الميليشيا اعتقلت عددا من ذويهم عقب الحادثة."
)
