# The register writes dates in full ("10 April 2023"), not Django's "10 Apr 2023".
DATE_FORMAT = "j F Y"
