"""Norwegian dates as an accountant writes them: 05.12.2026, 05.12.2026 14:30.

Numbers keep Django's nb conventions (comma decimals, a no-break space between thousands);
``bankint.formatting`` applies them with grouping.
"""

DATE_FORMAT = "j. F Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "j. F Y H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
