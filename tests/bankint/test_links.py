"""``|paths_as_links``: the portal paths a refusal names become links, nothing else does."""

from django.template import Context, Template


def render(text: str) -> str:
    return Template("{% load links %}{{ text|paths_as_links }}").render(Context({"text": text}))


def test_a_portal_path_in_a_refusal_becomes_a_link():
    html = render(
        "Switch on “Invoice with KID” in the invoice settings (/ledger/invoice-settings/), then order again."
    )
    assert '(<a href="/ledger/invoice-settings/">/ledger/invoice-settings/</a>), then' in html


def test_the_rest_of_the_message_is_escaped_and_urls_and_numbers_stay_text():
    html = render("<b>1/2</b> see https://bank.example/a/b/ and /settings/bank-accounts/7/edit/")
    assert html.startswith("&lt;b&gt;1/2&lt;/b&gt; see https://bank.example/a/b/ and ")
    assert html.endswith('<a href="/settings/bank-accounts/7/edit/">/settings/bank-accounts/7/edit/</a>')
