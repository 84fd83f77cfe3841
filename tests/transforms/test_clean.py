"""Article cleaning with trafilatura: main text only, metadata, as-published text."""
import pytest

from tests.support.arabic_pages import STORIES
from transforms.clean import clean_html, page_date

BOILERPLATE = ("الأكثر قراءة", "افتتاح جسر جديد", "أبو محمد", "أخبار ذات صلة", "جميع الحقوق",
               "شارك هذا الخبر", "الرئيسية", "النشرة البريدية", "عاجل: انقطاع")


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.slug)
def test_main_text_only(story):
    page = clean_html(story.page(), url=f"https://east.example.org/{story.slug}")
    assert page.text == story.text
    assert not any(phrase in page.text for phrase in BOILERPLATE)
    assert (page.title, page.date, page.author, page.sitename) == (
        story.title, story.date, "فريق التحرير", "شبكة أخبار الشرق")


def test_date_from_page_without_metadata():
    html = ("<html><body><article><h1>عنوان</h1><p>نشر بتاريخ 2023-11-04</p>"
            "<p>" + "نص الخبر الطويل بما يكفي ليكون مقالاً. " * 5 + "</p></article></body></html>")
    assert page_date(html) == "2023-11-04"


@pytest.mark.parametrize("html", ["", "   ", "<html><body><nav><a href='/'>الرئيسية</a></nav>"
                                  "</body></html>"])
def test_nothing_to_keep(html):
    assert clean_html(html) is None
