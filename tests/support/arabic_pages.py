"""Arabic news pages written for the tests (not taken from any corpus), with real boilerplate.

Each :class:`Story` renders as a full page: navigation, the article (title, date, body
paragraphs, share buttons), a "most read" sidebar, related links, comments and a footer —
the parts a cleaner must drop. ``story.text`` is exactly what cleaning must keep.

    site.static("/news/1.html", STORIES[0].page())                       # UTF-8
    site.static("/news/2.html", STORIES[1].page_bytes("cp1256"), content_type="text/html")
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    date: str  # YYYY-MM-DD, the publication date shown on the page
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The article text a cleaner must return: the paragraphs, one per line."""
        return "\n".join(self.paragraphs)

    def page(self, charset: str | None = "utf-8") -> str:
        """The whole HTML page; ``charset=None`` leaves out the <meta charset>."""
        meta = f'<meta charset="{charset}">' if charset else ""
        body = "\n".join(f"<p>{p}</p>" for p in self.paragraphs)
        return PAGE.format(meta=meta, title=self.title, date=self.date, body=body)

    def page_bytes(self, encoding: str, declare: bool = True) -> bytes:
        """The page encoded in ``encoding``, declaring it in a <meta> or not."""
        return self.page(encoding if declare else None).encode(encoding)


PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>{meta}
<title>{title} | شبكة أخبار الشرق</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="شبكة أخبار الشرق">
<meta property="article:published_time" content="{date}T10:15:00+03:00">
<meta name="author" content="فريق التحرير">
</head>
<body>
<header class="site-header">
 <div class="logo"><a href="/">شبكة أخبار الشرق</a></div>
 <nav class="main-menu"><ul>
  <li><a href="/">الرئيسية</a></li><li><a href="/category/news">أخبار محلية</a></li>
  <li><a href="/category/reports">تقارير</a></li><li><a href="/category/opinion">رأي</a></li>
  <li><a href="/about">من نحن</a></li><li><a href="/contact">اتصل بنا</a></li>
 </ul></nav>
 <div class="ticker">عاجل: انقطاع الطريق الدولي بين الحسكة والقامشلي بسبب السيول</div>
</header>
<div class="container">
<main>
<article class="post">
 <h1 class="entry-title">{title}</h1>
 <div class="meta"><span class="author">فريق التحرير</span>
  <time class="published" datetime="{date}T10:15:00+03:00">{date}</time></div>
 <div class="entry-content">
{body}
 </div>
 <div class="share-buttons">شارك هذا الخبر: <a href="#">فيسبوك</a> <a href="#">تويتر</a>
  <a href="#">واتساب</a> <a href="#">تلغرام</a></div>
 <div class="tags">وسوم: <a href="/tag/a">دير الزور</a> <a href="/tag/b">الفرات</a></div>
</article>
<section class="related"><h3>أخبار ذات صلة</h3><ul>
 <li><a href="/r1">مقتل راعي أغنام بانفجار لغم أرضي في بادية الميادين الشرقية</a></li>
 <li><a href="/r2">حملة اعتقالات جديدة تطال شباناً في مدينة البوكمال الحدودية</a></li>
 <li><a href="/r3">ارتفاع أسعار المحروقات في مناطق شرق الفرات للمرة الثانية</a></li>
</ul></section>
<section id="comments" class="comments-area"><h3 class="comments-title">التعليقات (2)</h3>
 <ol class="comment-list">
  <li class="comment"><div class="comment-body"><p>أبو محمد: الله يفرج عن أهلنا في الريف الشرقي ويحميهم من كل سوء.</p></div></li>
  <li class="comment"><div class="comment-body"><p>سامر: نتمنى منكم متابعة هذا الموضوع ونشر أسماء الذين وصلوا بالسلامة.</p></div></li>
 </ol>
 <form class="comment-form"><textarea name="comment">أضف تعليقك</textarea></form>
</section>
</main>
<aside class="sidebar widget-area">
 <section class="widget most-read"><h3 class="widget-title">الأكثر قراءة</h3><ol>
  <li><a href="/m1">افتتاح جسر جديد فوق نهر الخابور يربط الحسكة بريفها الغربي</a></li>
  <li><a href="/m2">تراجع إنتاج القمح في محافظة الرقة إلى أدنى مستوياته منذ عقد</a></li>
  <li><a href="/m3">عودة التيار الكهربائي إلى أحياء مدينة دير الزور بعد انقطاع طويل</a></li>
 </ol></section>
 <section class="widget newsletter"><h3>النشرة البريدية</h3>
  <p>اشترك في نشرتنا البريدية ليصلك كل جديد عن أخبار المنطقة الشرقية.</p></section>
</aside>
</div>
<footer class="site-footer"><p>جميع الحقوق محفوظة © شبكة أخبار الشرق 2024</p>
 <p><a href="/privacy">سياسة الخصوصية</a> | <a href="/terms">شروط الاستخدام</a></p></footer>
</body>
</html>
"""

STORIES = (
    Story(
        "duwayr-ndf", "فرار عناصر من الدفاع الوطني في بلدة الدوير نحو شرق الفرات", "2024-05-12",
        (
            "أفادت مصادر محلية في ريف البوكمال بأن أحد عشر عنصراً من ميليشيا الدفاع الوطني "
            "غادروا مواقعهم في بلدة الدوير مساء السبت، حاملين أسلحتهم الفردية.",
            "وقال أحد أقارب العناصر إنهم عبروا نهر الفرات على متن قارب صغير قبل أن يصلوا إلى "
            "نقطة تابعة لقوات سوريا الديمقراطية في بلدة الباغوز.",
            "وأشارت المصادر إلى أن قيادة الميليشيا شنت عقب الحادثة حملة مداهمات في البلدة "
            "بحثاً عن ذوي الفارين، واعتقلت ثلاثة منهم.",
        ),
    ),
    Story(
        "mayadin-brigade", "انشقاق مجموعة من لواء تابع للحرس الثوري في الميادين", "2024-06-03",
        (
            "ذكرت شبكة محلية أن سبعة عناصر من أبناء المنطقة انشقوا عن لواء تابع للحرس الثوري "
            "الإيراني في مدينة الميادين خلال الأسبوع الماضي.",
            "وأوضحت الشبكة أن العناصر رفضوا أوامر بالانتقال إلى نقاط متقدمة في البادية، "
            "وتمكنوا من الوصول إلى ريف دير الزور الشرقي.",
        ),
    ),
    Story(
        "raqqa-checkpoint", "عناصر من قوات النظام يسلمون أنفسهم عند حاجز قرب الرقة", "2024-07-21",
        (
            "سلّم خمسة عناصر من قوات النظام أنفسهم لحاجز تابع لقوى الأمن الداخلي على أطراف "
            "مدينة الرقة فجر الاثنين، بحسب ما أفاد مراسل محلي.",
            "وبيّن المراسل أن العناصر قدموا من قرية السبخة الواقعة على الضفة الجنوبية للنهر، "
            "وأنهم اشتكوا من تأخر رواتبهم وسوء المعاملة.",
        ),
    ),
    Story(
        "hasakah-camp", "مغادرة مقاتلين من فصيل محلي مواقعهم جنوب الحسكة", "2024-08-09",
        (
            "غادر نحو عشرين مقاتلاً من فصيل محلي مواقعهم في ريف الحسكة الجنوبي خلال الأيام "
            "الماضية، وفق ما نقلته مصادر من المنطقة.",
            "وأضافت المصادر أن المقاتلين توجهوا إلى بلدة الشدادي بعد خلافات مع قادة الفصيل "
            "حول توزيع المخصصات.",
        ),
    ),
)
