"""English dates without the US month-first ambiguity: 5 Dec 2026, 5 Dec 2026 14:30.

Numbers keep Django's en conventions (12,345.67); ``bankint.formatting`` applies them with grouping.
"""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]
