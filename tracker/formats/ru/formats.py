# A day and month in the genitive, as in Django's full Russian date ("12 ноября").
MONTH_DAY_FORMAT = "j E"
