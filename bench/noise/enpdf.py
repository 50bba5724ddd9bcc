"""English guideline PDFs for the benchmark's pairs, with fpdf2's core fonts: numbered paragraphs in bold, and a
running header and page-number footer where the agency's layout has them."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF


def en_pdf(paragraphs: list[str], *, created: str, margin: float = 25, page_break: float | None = None,
           header: str = "", footer: str = "", producer: str | None = None) -> bytes:
    """The PDF bytes; `created` is YYYYMMDDhhmmss, `footer` may hold `{n}` (page) and `{total}` (pages)."""

    class Doc(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("Helvetica", "", 8)
                self.cell(0, 5, header, new_x="LMARGIN", new_y="NEXT")
                self.ln(4)

        def footer(self) -> None:
            if footer:
                self.set_y(-15)
                self.set_font("Helvetica", "", 8)
                self.cell(0, 5, footer.format(n=self.page_no(), total="{nb}"), align="C")

    pdf = Doc(format="A4")
    pdf.set_margins(margin, 20, margin)
    if page_break is not None:
        pdf.set_auto_page_break(True, page_break)
    pdf.set_creation_date(datetime.strptime(created, "%Y%m%d%H%M%S").replace(tzinfo=UTC))
    if producer is not None:
        pdf.set_producer(producer)
    pdf.set_title(paragraphs[0])
    pdf.add_page()
    for text in paragraphs:
        heading = text[:2].rstrip(".").isdigit()
        pdf.set_font("Helvetica", "B" if heading else "", 11 if heading else 10)
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())
