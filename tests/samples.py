"""Files for the texts' tests, made in memory: PDFs with a text layer (written by
hand, as the PDF reference describes the simplest file), a scan without one, an
encrypted and a damaged PDF, DOCX files and a DOCX zip bomb."""

import io
import zipfile


def _escaped(line):
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(*pages):
    """A PDF with one page for each string of ``pages`` (lines split on newlines)
    in Helvetica; an empty string makes a page with a drawing and no text."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        None,  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for text in pages:
        if text:
            lines = " T* ".join(f"({_escaped(line)}) Tj" for line in text.split("\n"))
            stream = f"BT /F1 11 Tf 14 TL 56 780 Td {lines} ET".encode("cp1252")
        else:
            stream = b"0.5 g 56 56 480 720 re f"
        objects.append(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


def long_pdf(pages=100, lines=40):
    """A PDF of ``pages`` pages of ``lines`` lines of words each, for the benchmark."""
    words = "bilateral cooperation agreement parties shall article provisions".split()
    body = []
    for page in range(pages):
        body.append(
            "\n".join(
                f"Article {page + 1}.{line + 1} "
                + " ".join(words[(page + line + i) % len(words)] for i in range(10))
                for line in range(lines)
            )
        )
    return pdf(*body)


def encrypted_pdf(text="A secret text"):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(text))))
    writer.encrypt("a password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def damaged_pdf():
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\nthis is no PDF at all"


def docx(*paragraphs):
    import docx as python_docx

    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Cell one"
    table.rows[0].cells[1].text = "Cell two"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(unpacked_mb=20):
    """A zip named like a DOCX whose document unpacks to ``unpacked_mb`` MB of
    zeros (a few kB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (unpacked_mb * 1024 * 1024))
    return out.getvalue()


def zip_without_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return out.getvalue()
