"""Decoding fetched bytes: windows-1256 Arabic with right, wrong and missing declarations."""
import pytest

from connectors.charset import decode_bytes

ARABIC = ("أكدت مصادر محلية في مدينة البوكمال أن تسعة عناصر من الفرقة الرابعة تركوا "
          "مواقعهم قرب الحدود العراقية واتجهوا إلى البادية، في ثالث حادثة من نوعها هذا الشهر.")
HTML = f"<html><head>{{meta}}<title>خبر</title></head><body><p>{ARABIC}</p></body></html>"


@pytest.mark.parametrize("declared", [None, "windows-1256", "iso-8859-1", "utf-8", "bogus"])
def test_windows_1256_page_comes_out_as_arabic(declared):
    body = HTML.format(meta="").encode("cp1256")
    assert ARABIC in decode_bytes(body, declared)


def test_meta_declaration_is_used():
    body = HTML.format(meta='<meta http-equiv="Content-Type" content="text/html; '
                            'charset=windows-1256">').encode("cp1256")
    assert ARABIC in decode_bytes(body)


def test_xml_declaration_is_used():
    body = (f'<?xml version="1.0" encoding="windows-1256"?><rss><title>{ARABIC}</title></rss>'
            ).encode("cp1256")
    assert ARABIC in decode_bytes(body)


def test_utf8_wins_over_a_wrong_single_byte_declaration():
    assert ARABIC in decode_bytes(HTML.format(meta="").encode("utf-8"), "windows-1256")


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16"])
def test_bom(codec):
    text = decode_bytes(ARABIC.encode(codec))
    assert text == ARABIC


def test_latin_text_declared_latin1_is_kept():
    text = "Café déjà vu, naïve façade; " * 3
    assert decode_bytes(text.encode("latin-1"), "iso-8859-1") == text
