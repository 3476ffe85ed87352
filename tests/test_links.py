"""pipeline.rules.links: two spellings of one post compare equal, two different posts never do."""

from __future__ import annotations

import pytest

from pipeline.rules.links import normalise_link

SAME = [
    # rule 1: scheme, host case, trailing dot, default port; a link typed without a scheme
    ("https://desamaju.id/berita/Kegiatan", "http://DesaMaju.ID./berita/Kegiatan"),
    ("https://desamaju.id/berita/Kegiatan", "desamaju.id/berita/Kegiatan"),
    ("https://desamaju.id/berita/Kegiatan", "HTTPS://desamaju.id:443/berita/Kegiatan"),
    ("http://desamaju.id/berita/Kegiatan", "http://desamaju.id:80/berita/Kegiatan"),
    # rule 2: host prefixes and aliases
    ("https://facebook.com/desa.maju/posts/1", "https://www.facebook.com/desa.maju/posts/1"),
    ("https://facebook.com/desa.maju/posts/1", "https://m.facebook.com/desa.maju/posts/1"),
    ("https://facebook.com/desa.maju/posts/1", "https://mbasic.facebook.com/desa.maju/posts/1"),
    ("https://facebook.com/desa.maju/posts/1", "https://web.facebook.com/desa.maju/posts/1"),
    ("https://facebook.com/desa.maju/posts/1", "https://fb.com/desa.maju/posts/1"),
    ("https://facebook.com/desa.maju/posts/1", "www.facebook.com/desa.maju/posts/1/"),
    ("https://x.com/desa/status/123", "https://mobile.twitter.com/desa/status/123"),
    ("https://x.com/desa/status/123", "https://twitter.com/desa/status/123?s=20&t=AbCd"),
    ("https://youtube.com/watch?v=AbC_dEf", "https://youtu.be/AbC_dEf"),
    ("https://youtube.com/watch?v=AbC_dEf", "youtu.be/AbC_dEf?si=x1Y2"),
    ("https://youtube.com/watch?v=AbC_dEf", "https://www.youtube.com/shorts/AbC_dEf?feature=share"),
    ("https://youtube.com/watch?v=AbC_dEf", "https://m.youtube.com/watch?v=AbC_dEf&feature=youtu.be"),
    # rule 3: fragment, trailing slashes
    ("https://desamaju.id/berita", "https://desamaju.id/berita//#komentar"),
    ("https://desamaju.id/?p=12", "https://desamaju.id?p=12#top"),
    # rule 4: tracking parameters, remaining ones sorted by name
    ("https://www.instagram.com/p/CxYz123/", "https://www.instagram.com/p/CxYz123/?igsh=MWx0bXo&utm_source=ig_web"),
    ("https://www.instagram.com/reel/CxYz123/", "instagram.com/reel/CxYz123?igshid=YmMyMTA2M2Y="),
    ("https://www.facebook.com/reel/98765", "https://www.facebook.com/reel/98765?mibextid=rS40aB7S9Ucbxw6v"),
    ("https://www.facebook.com/reel/98765", "https://www.facebook.com/reel/98765?fbclid=IwAR0x&gclid=1&_rdr"),
    ("https://www.facebook.com/share/p/AbC123/", "https://web.facebook.com/share/p/AbC123/?mibextid=WC7FNe"),
    ("https://www.facebook.com/share/p/AbC123/", "https://facebook.com/share/p/AbC123?share_id=9&ref=share"),
    ("https://www.facebook.com/story.php?story_fbid=111&id=222",
     "https://m.facebook.com/story.php?id=222&story_fbid=111&mibextid=Nif5oz"),
    ("https://fb.watch/AbCd/", "fb.watch/AbCd?mibextid=q"),
    ("https://www.tiktok.com/@desa.maju/video/7300000000000",
     "https://m.tiktok.com/@desa.maju/video/7300000000000/?utm_campaign=tt&UTM_Source=copy"),
    ("https://x.com/desa/status/123", "https://x.com/desa/status/123?ref_src=twsrc%5Etfw&ref_url=x"),
    ("https://desamaju.id/?p=12", "http://www.desamaju.id/?utm_source=fb&p=12&fbclid=1"),
    ("https://desamaju.id/?p=12&cat=3", "https://desamaju.id/?cat=3&p=12"),
]

DIFFERENT = [
    ("https://youtube.com/watch?v=AbC_dEf", "https://youtube.com/watch?v=abc_def"),  # ids are case-sensitive
    ("https://youtu.be/AbC_dEf", "https://youtu.be/AbC_dEg"),
    ("https://www.facebook.com/share/p/AbC123/", "https://www.facebook.com/share/p/abc123/"),
    ("https://facebook.com/story.php?story_fbid=111&id=222", "https://facebook.com/story.php?story_fbid=112&id=222"),
    ("https://facebook.com/story.php?story_fbid=111&id=222", "https://facebook.com/story.php?story_fbid=111&id=223"),
    ("https://facebook.com/desa.maju/posts/1", "https://facebook.com/desa.maju/posts/12"),
    ("https://facebook.com/desa.maju/posts/1", "https://facebook.com/desa.maju2/posts/1"),
    ("https://www.facebook.com/reel/98765", "https://www.facebook.com/reel/98766"),
    ("https://www.instagram.com/p/CxYz123/", "https://www.instagram.com/p/cxyz123/"),
    ("https://www.instagram.com/p/CxYz123/", "https://www.instagram.com/reel/CxYz123/"),
    ("https://www.tiktok.com/@desa/video/7300000000000", "https://www.tiktok.com/@desa/video/7300000000001"),
    ("https://x.com/desa/status/123", "https://x.com/desa/status/124"),
    ("https://twitter.com/desa/status/123", "https://x.com/desa2/status/123"),
    ("https://desamaju.id/?p=12", "https://desamaju.id/?p=13"),
    ("https://desamaju.id/?p=12", "https://desamaju.id/"),
    ("https://desamaju.id/berita.php?sid=5", "https://desamaju.id/berita.php?sid=6"),  # ural would drop `sid`
    ("https://desamaju.id/?s=12", "https://desamaju.id/?s=13"),  # `s` and `t` are dropped on x.com only
    ("https://blog.desa.id/?t=1", "https://blog.desa.id/?t=2"),
    ("https://desamaju.id/berita/Kegiatan", "https://desamaju.id/berita/kegiatan"),  # path case is kept
    ("https://desamaju.id/berita", "https://desamaju.id:8443/berita"),
    ("https://desamaju.id/berita", "https://desamaju.com/berita"),
    ("https://desa.blogspot.com/2025/11/a.html", "https://desa2.blogspot.com/2025/11/a.html"),
    ("https://m.id/x", "https://id.x/x"),
    ("https://amp-desa.id/x", "https://desa.id/x"),
    ("https://sim-m.desa.id/x", "https://sim-desa.id/x"),
    ("https://fb.watch/AbCd/", "https://facebook.com/AbCd"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_two_spellings_of_one_post_compare_equal(a, b):
    assert normalise_link(a) == normalise_link(b) is not None


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_two_posts_never_compare_equal(a, b):
    na, nb = normalise_link(a), normalise_link(b)
    assert na is not None and nb is not None and na != nb


@pytest.mark.parametrize(("link", "expected"), [
    ("https://www.facebook.com/story.php?story_fbid=111&id=222&mibextid=x",
     "facebook.com/story.php?id=222&story_fbid=111"),
    ("youtu.be/AbC_dEf?si=x&t=42", "youtube.com/watch?v=AbC_dEf"),
    ("http://www.desamaju.id/?utm_source=fb&p=12", "desamaju.id?p=12"),
    ("https://twitter.com/Desa/status/9?s=20&t=q", "x.com/Desa/status/9"),
    ("  fb.watch/AbCd/  ", "fb.watch/AbCd"),
    ("https://www.web.id/berita", "web.id/berita"),  # a prefix is dropped only when two labels remain
    ("https://M.ID/x", "m.id/x"),
])
def test_the_compared_form(link, expected):
    assert normalise_link(link) == expected


@pytest.mark.parametrize("link", [None, "", "sudah", "12.30", "javascript:alert(1)", "=HYPERLINK(\"x\")", "https://fb",
                                  "desamaju.id", "ftp://x.com/a", "https://x.com/ a"])
def test_an_invalid_link_has_no_compared_form(link):
    assert normalise_link(link) is None
