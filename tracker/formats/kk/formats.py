# Django ships no Kazakh formats: dates as Kazakh official texts write them
# ("12 қараша 2025 ж."), numbers with a space between thousands and a comma.
DATE_FORMAT = "j E Y ж."
YEAR_MONTH_FORMAT = "F Y ж."
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "j E Y ж. H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space
NUMBER_GROUPING = 3
# Dates are typed and shown in the admin as ISO first ("2025-11-12"): unambiguous
# for staff of every country; the local form is accepted too.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
