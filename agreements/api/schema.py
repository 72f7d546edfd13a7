"""The schema's error answers (a drf-spectacular postprocessing hook): a list's 400
for parameters it cannot read, a record's 404, and everyone's 429."""

ERRORS = {
    "type": "object",
    "description": "The parameters that could not be read, each with its messages.",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"signed_after": ["Enter a valid date."]},
        }
    },
}
DETAIL = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}},
}


def _answer(description, schema):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": schema}}},
    }


def error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Errors"] = ERRORS
    schemas["Detail"] = DETAIL
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation["responses"]
            if any(p["in"] == "query" for p in operation.get("parameters", [])):
                responses["400"] = _answer(
                    "A parameter the register cannot read; the body names it.",
                    "#/components/schemas/Errors",
                )
            if "{" in path:
                responses["404"] = _answer(
                    "No published record at this address.",
                    "#/components/schemas/Detail",
                )
            responses["429"] = _answer(
                "Too many requests from this address: try again after the "
                "Retry-After header's seconds.",
                "#/components/schemas/Detail",
            )
    return result
