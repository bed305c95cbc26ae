"""``{% load links %}``: ``|paths_as_links`` makes the portal paths in a message clickable.

Refusals name the page that fixes them ("… in the invoice settings (/ledger/invoice-settings/) …");
messages stay plain text (the API returns the same words), the page shows the path as a link.
"""

import re

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join

register = template.Library()

# A path of this site: starts and ends with "/", only path characters, not inside a URL.
PORTAL_PATH = re.compile(r"(?<![\w/:.])(/(?:[a-z0-9_-]+/)+)(?=[\s),.;:]|$)")


@register.filter
def paths_as_links(text):
    parts = PORTAL_PATH.split(str(text))  # text, path, text, path, …, text
    pieces = (
        format_html('<a href="{0}">{0}</a>', part) if odd else conditional_escape(part)
        for odd, part in ((i % 2 == 1, part) for i, part in enumerate(parts))
    )
    return format_html_join("", "{}", ((piece,) for piece in pieces))
