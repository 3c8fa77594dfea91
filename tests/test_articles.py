from briefqa.articles import parse_article, read_article
from briefqa.records import Article

from .conftest import SEEDS, raw_text


def article(name: str) -> Article:
    return read_article(next(SEEDS.glob(f"{name}_*.txt")))


def test_title_and_sections_come_from_the_structure():
    hsi = article("002")
    assert hsi.title == "HSI’s Focus on Disrupting Drug Trafficking Networks"
    headings = [s.heading for s in hsi.sections]
    assert headings[:3] == [None, "Strategies to Disrupt Drug Trafficking", "Targeting Transnational Criminal Organizations"]
    assert "Sinaloa Cartel" in headings and "MS-13" in headings
    assert "References" not in headings and "Contents" not in headings


def test_every_block_offset_points_at_its_raw_text():
    for path in sorted(SEEDS.glob("*.txt")):
        parsed = read_article(path)
        text = raw_text(path.name)
        assert parsed.text == text
        for block in parsed.blocks:
            assert text[block.start : block.end].strip() == text[block.start : block.end] != ""
            if block.kind != "row":
                assert text[block.start : block.end] == block.statement


def test_page_furniture_is_not_answerable():
    answerable = " ".join(b.statement for path in SEEDS.glob("*.txt") for b in read_article(path).blocks)
    assert "Newly Confirmed TSP Board" not in answerable  # related link after "Previous"
    assert "Retirement Legislation" not in answerable  # related link after "Next"
    assert "DHS Fentanyl Interdiction Campaign" not in answerable  # reference list
    assert "Contents" not in answerable


def test_table_rows_become_statements_that_keep_their_headers():
    rows = [b for b in article("004").blocks if b.kind == "row"]
    assert len(rows) == 4 + 4 + 3 + 3
    destination = next(r for r in rows if "Guadalajara" in r.statement)
    assert destination.statement == "Operation Detail: Deportation Destination; Information: Guadalajara, Jalisco, Mexico."
    assert raw_text(article("004").source)[destination.start : destination.end] == "Deportation Destination | Guadalajara, Jalisco, Mexico |"
    approach = next(r for r in rows if r.statement.startswith("Security Aspect: Border Security Approach"))
    assert approach.statement == "Security Aspect: Border Security Approach; Pre-Cooperation: Reactive; Post-Cooperation: Proactive and intelligence-driven."


def test_list_items_drop_their_markers_and_share_a_group_with_their_lead_in():
    hsi = article("002")
    partners = [b for b in hsi.blocks if b.section == "Collaboration with Law Enforcement Partners"]
    lead_in = partners[0]
    assert lead_in.kind == "paragraph" and lead_in.statement.endswith("Key partners include:")
    items = [b.statement for b in partners if b.kind == "item"]
    assert items[0] == "Drug Enforcement Administration (DEA)"
    assert items[-1] == "Foreign counterparts through HSI’s 63 offices in 47 countries"
    assert {b.group for b in partners} == {lead_in.group}


def test_numbered_items_are_list_items():
    campaign = article("003")
    items = [b for b in campaign.blocks if b.kind == "item"]
    assert len(items) == 5
    assert items[0].statement.startswith("Operation Expanded Impact:")


def test_crlf_text_keeps_exact_offsets():
    text = "A Title\r\n\r\nA Heading\r\nFirst sentence here. Second one.\r\n- item one\r\n"
    parsed = parse_article("x.txt", text)
    assert parsed.sections[0].heading == "A Heading"
    assert [text[b.start : b.end] for b in parsed.blocks] == ["First sentence here. Second one.", "item one"]
