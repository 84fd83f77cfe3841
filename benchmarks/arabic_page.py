"""A realistic generated Arabic news page around an article text, for the benchmarks.

The page has the usual weight of a regional news site (~90 KB): inline styles and scripts,
navigation, a breaking-news ticker, the article with share buttons, a "most read" sidebar,
related links, reader comments and a footer. The filler is deterministic, so every run
measures the same bytes.
"""
from __future__ import annotations

import random

SITE = "شبكة أخبار الفرات"
FILLER_WORDS = (
    "أفادت مصادر محلية بأن الأهالي في ريف المدينة يعانون من انقطاع الكهرباء وارتفاع أسعار "
    "المحروقات مع اقتراب فصل الشتاء وسط غياب الخدمات الأساسية وتراجع القدرة الشرائية حيث "
    "طالب السكان الجهات المعنية بإيجاد حلول عاجلة لأزمة المياه والخبز والنقل في القرى "
    "الواقعة على ضفاف النهر بينما تواصل المنظمات الإنسانية توزيع السلال الغذائية على "
    "العائلات النازحة في المخيمات المنتشرة في البادية والأرياف الشرقية والغربية").split()
MENU = ("الرئيسية", "أخبار محلية", "تقارير", "تحقيقات", "رأي", "اقتصاد", "منوعات", "رياضة",
        "صور", "فيديو", "إنفوغراف", "من نحن", "اتصل بنا", "أعلن معنا")
STYLE = ".post{margin:0 auto;max-width:760px}.menu li{display:inline-block;padding:4px 8px}" * 40
SCRIPT = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
          "gtag('js',new Date());gtag('config','G-XXXXXXX');" * 60)


def _sentence(rng: random.Random, words: int) -> str:
    """A filler sentence of ``words`` words."""
    return " ".join(rng.choice(FILLER_WORDS) for _ in range(words)) + "."


def _links(rng: random.Random, count: int, path: str) -> str:
    """A list of ``count`` links with filler headlines."""
    return "\n".join(f'<li><a href="/{path}/{rng.randrange(10**5)}">{_sentence(rng, 9)}</a></li>'
                     for _ in range(count))


def _comments(rng: random.Random, count: int) -> str:
    """Reader comments with names, dates and filler text."""
    return "\n".join(
        f'<div class="comment"><span class="author">زائر {i}</span>'
        f'<time>2024-0{1 + i % 9}-1{i % 9}</time><p>{_sentence(rng, 40)}</p></div>'
        for i in range(count))


def render_page(title: str, text: str, date: str, seed: int = 7) -> str:
    """The whole HTML page for an article ``text`` (paragraphs separated by blank lines)."""
    rng = random.Random(seed)
    body = "\n".join(f"<p>{p.strip()}</p>" for p in text.split("\n") if p.strip())
    menu = "".join(f'<li><a href="/c/{i}">{name}</a></li>' for i, name in enumerate(MENU))
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{title} | {SITE}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{SITE}">
<meta property="article:published_time" content="{date}T09:30:00+03:00">
<style>{STYLE}</style><script>{SCRIPT}</script></head>
<body><header><div class="logo"><a href="/">{SITE}</a></div>
<nav class="menu"><ul>{menu}</ul></nav>
<div class="ticker">عاجل: {_sentence(rng, 12)} | {_sentence(rng, 12)} | {_sentence(rng, 12)}</div>
</header>
<div class="container"><main><article class="post">
<h1 class="entry-title">{title}</h1>
<div class="meta"><span class="author">فريق التحرير</span><time datetime="{date}">{date}</time></div>
<div class="entry-content">
{body}
</div>
<div class="share">شارك الخبر: <a href="#">فيسبوك</a> <a href="#">تويتر</a> <a href="#">واتساب</a></div>
<div class="tags">وسوم: <a href="/tag/1">دير الزور</a> <a href="/tag/2">الرقة</a></div>
</article>
<section class="related"><h3>أخبار ذات صلة</h3><ul>{_links(rng, 30, "news")}</ul></section>
<section class="comments"><h3>التعليقات</h3>{_comments(rng, 85)}</section>
</main>
<aside class="sidebar"><h3>الأكثر قراءة</h3><ol>{_links(rng, 40, "popular")}</ol>
<h3>تقارير</h3><ul>{_links(rng, 30, "reports")}</ul></aside></div>
<footer><ul>{menu}</ul><p>جميع الحقوق محفوظة © {SITE} {_sentence(rng, 30)}</p>
<script>{SCRIPT}</script></footer></body></html>"""
