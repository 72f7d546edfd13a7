"""SQL functions Django has no expression for, used by the search and the exports."""

from django.db.models import BooleanField, Func, IntegerField


class EqualsAny(Func):
    """``value = ANY(array)``: whether ``value`` is one of the array's elements."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


class Instr(Func):
    """SQLite's (and MySQL's) ``instr(haystack, needle)``: 1-based position or 0."""

    function = "instr"
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="strpos", **extra_context)
