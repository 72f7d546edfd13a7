# The register writes dates in full ("10 April 2023"), not Django's "10 Apr 2023".
DATE_FORMAT = "j F Y"
# Dates are typed and shown in the admin as ISO first ("2025-11-12"): unambiguous
# for staff of every country; the local form is accepted too.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]
