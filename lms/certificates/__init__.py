"""Certificates: issued by themselves on completion, printed as PDFs with a QR code to the public
verify page, gathered in a training record, downloaded in bulk, and carried elsewhere as signed
Open Badges 3.0 credentials."""
