"""Corpus readers: listing pages, JSONL, CSV and the arXiv snapshot; errors; de-duplication."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperlens.errors import CorpusError
from paperlens.index.corpus import find_urls, make_paper_id, normalize_title, read_file, read_papers

REAL_PAPERS = Path(__file__).resolve().parent.parent / "data" / "papers"

LISTING_HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nMar 14\n\n"
ABSTRACT_A = "We prune attention heads. The pruned model runs faster. Code: https://github.com/a/prune."
ABSTRACT_B = "We distill a large teacher into a small student. The student keeps 98% of the accuracy."


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path: Path, *records: object) -> Path:
    return write(path, "".join(json.dumps(record) + "\n" for record in records))


def corpus_error(path: Path) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        read_papers([path])
    return caught.value


# ---------------------------------------------------------------- listing pages


def test_listing_page_gives_title_abstract_pairs_with_date_and_source(tmp_path: Path) -> None:
    path = write(
        tmp_path / "page.txt",
        f"{LISTING_HEADER}Head Pruning\n\n{ABSTRACT_A}\n\nDistillation\n\n{ABSTRACT_B}\n",
    )
    papers = read_file(path)
    assert [p.title for p in papers] == ["Head Pruning", "Distillation"]
    assert papers[0].abstract == ABSTRACT_A
    assert {p.date for p in papers} == {"Mar 14"}
    assert all(p.sources == ["page.txt"] for p in papers)
    assert papers[0].code_urls == ["https://github.com/a/prune"]
    assert papers[1].code_urls == []


def test_listing_odd_paragraph_count_names_the_title_missing_its_abstract(tmp_path: Path) -> None:
    # Line 9 is a title whose abstract is missing: the next paragraph (line 11) is another title.
    text = f"{LISTING_HEADER}Head Pruning\n\nDistillation\n\n{ABSTRACT_B}\n"
    error = corpus_error(write(tmp_path / "page.txt", text))
    assert error.source == "page.txt"
    assert error.where == "line 9"
    assert "odd number of paragraphs" in error.problem
    assert "line 9 ('Head Pruning') has no abstract after it" in error.problem
    assert "add its abstract" in str(error)


def test_listing_odd_paragraph_count_names_an_abstract_without_title(tmp_path: Path) -> None:
    text = f"{LISTING_HEADER}Head Pruning\n\n{ABSTRACT_A}\n\n{ABSTRACT_B}\n"
    error = corpus_error(write(tmp_path / "page.txt", text))
    assert error.where == "line 13"
    assert "reads like an abstract without a title" in error.problem


def test_listing_odd_paragraph_count_names_a_trailing_title(tmp_path: Path) -> None:
    text = f"{LISTING_HEADER}Head Pruning\n\n{ABSTRACT_A}\n\nDistillation\n"
    error = corpus_error(write(tmp_path / "page.txt", text))
    assert error.where == "line 13"
    assert "last title" in error.problem and "'Distillation'" in error.problem


def test_listing_without_date_line_says_where_to_add_one(tmp_path: Path) -> None:
    error = corpus_error(write(tmp_path / "page.txt", f"Head Pruning\n\n{ABSTRACT_A}\n"))
    assert error.source == "page.txt"
    assert "no date line" in error.problem and "Mar 14" in error.problem


def test_undecodable_bytes_name_the_line_and_ask_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(f"{LISTING_HEADER}Head Pruning\n\n".encode() + b"We prune \xff\xfe heads.\n")
    error = corpus_error(path)
    assert error.source.endswith("page.txt")
    assert error.where == "line 11"
    assert "UTF-8" in error.problem


def test_utf8_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"title": "T", "abstract": "A."}).encode())
    assert [p.title for p in read_papers([path])] == ["T"]


@pytest.mark.parametrize("name", ["papers.pdf", "papers"])
def test_unknown_format_names_the_file_and_the_supported_ones(tmp_path: Path, name: str) -> None:
    error = corpus_error(write(tmp_path / name, "whatever"))
    assert error.source.endswith(name)
    assert "unknown format" in error.problem
    assert ".txt" in error.problem and ".jsonl" in error.problem and ".csv" in error.problem


def test_directory_skips_other_extensions_but_must_hold_papers(tmp_path: Path) -> None:
    write(tmp_path / "notes.md", "# not papers")
    error = corpus_error(tmp_path)
    assert "no .txt, .jsonl, .json or .csv files" in error.problem
    jsonl(tmp_path / "a.jsonl", {"title": "T", "abstract": "A."})
    assert [p.title for p in read_papers([tmp_path])] == ["T"]


def test_missing_path_is_named(tmp_path: Path) -> None:
    error = corpus_error(tmp_path / "nowhere.jsonl")
    assert "nowhere.jsonl" in error.source and "no such file" in error.problem


# ---------------------------------------------------------------- JSONL / JSON


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"title": "", "abstract": "A."}, "title"),
        ({"title": "   ", "abstract": "A."}, "title"),
        ({"abstract": "A."}, "title"),
        ({"title": "T", "abstract": ""}, "abstract"),
        ({"title": "T", "abstract": None}, "abstract"),
        ({"title": 42, "abstract": "A."}, "title"),
    ],
)
def test_jsonl_empty_or_missing_title_or_abstract(tmp_path: Path, record: dict, field: str) -> None:
    path = jsonl(tmp_path / "p.jsonl", {"title": "Fine", "abstract": "Fine."}, record)
    error = corpus_error(path)
    assert (error.source, error.where) == ("p.jsonl", "line 2")
    assert f"empty or missing {field}" in error.problem


def test_truncated_json_line_is_named(tmp_path: Path) -> None:
    good = json.dumps({"title": "Fine", "abstract": "Fine."})
    path = write(tmp_path / "p.jsonl", f'{good}\n\n{{"title": "Cut", "abstr\n')
    error = corpus_error(path)
    assert (error.source, error.where) == ("p.jsonl", "line 3")
    assert "truncated" in error.problem and "one complete object" in error.problem


@pytest.mark.parametrize("line", ['["a", "list"]', "42", '"just a string"', "null"])
def test_json_line_that_is_not_an_object(tmp_path: Path, line: str) -> None:
    path = write(tmp_path / "p.jsonl", json.dumps({"title": "T", "abstract": "A."}) + "\n" + line + "\n")
    error = corpus_error(path)
    assert error.where == "line 2"
    assert "expected a JSON object" in error.problem


def test_json_array_file_names_the_record(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", json.dumps([{"title": "T", "abstract": "A."}, ["oops"]]))
    error = corpus_error(path)
    assert error.where == "record 2" and "expected a JSON object" in error.problem
    path = write(tmp_path / "q.json", json.dumps([{"title": "T", "abstract": "A."}, {"title": "U"}]))
    assert corpus_error(path).where == "record 2"


def test_pretty_printed_json_object_is_one_record(tmp_path: Path) -> None:
    path = write(tmp_path / "one.json", json.dumps({"title": "T", "abstract": "A."}, indent=2))
    assert [p.title for p in read_papers([path])] == ["T"]


def test_truncated_first_line_is_still_reported_by_line(tmp_path: Path) -> None:
    path = write(tmp_path / "p.jsonl", '{"title": "T", "abs\n{"title": "U", "abstract": "B."}\n')
    assert corpus_error(path).where == "line 1"


def test_jsonl_optional_fields(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "p.jsonl",
        {
            "title": "Head  Pruning\n",
            "abstract": " We prune.\n Heads go. ",
            "authors": ["Ada Lovelace", "Alan Turing"],
            "year": 2021,
            "url": " https://example.org/p ",
            "arxiv_id": "2101.00001",
            "categories": ["cs.CL", "cs.LG"],
        },
        {
            "title": "Bare",
            "abstract": "Nothing else.",
            "authors": "A. One, B. Two and C. Three",
            "year": "2019",
        },
    )
    full, bare = read_papers([path])
    assert full.title == "Head Pruning" and full.abstract == "We prune. Heads go."
    assert full.authors == ["Ada Lovelace", "Alan Turing"]
    assert (full.year, full.url, full.arxiv_id) == (2021, "https://example.org/p", "2101.00001")
    assert full.categories == ["cs.CL", "cs.LG"]
    assert bare.authors == ["A. One", "B. Two", "C. Three"]
    assert (bare.year, bare.url, bare.arxiv_id, bare.categories) == (2019, None, None, [])


def test_bad_year_is_a_corpus_error_naming_the_line(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "p.jsonl", {"title": "T", "abstract": "A.", "year": 20})
    error = corpus_error(path)
    assert error.where == "line 1" and "bad field value" in error.problem and "year" in error.problem


# ---------------------------------------------------------------- arXiv snapshot


def snapshot_record(**overrides: object) -> dict:
    record = {
        "id": "2101.00001",
        "submitter": "Ada Lovelace",
        "authors": "Ada Lovelace, Alan Turing and Grace Hopper",
        "title": "Pruning Heads\n  in Transformers",
        "comments": "10 pages",
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": "cs.CL cs.LG",
        "license": None,
        "abstract": "  We prune attention heads.\n  The model gets faster.\n",
        "versions": [
            {"version": "v1", "created": "Mon, 4 Jan 2021 18:59:59 GMT"},
            {"version": "v2", "created": "Tue, 2 Mar 2022 10:00:00 GMT"},
        ],
        "update_date": "2022-03-02",
        "authors_parsed": [["Lovelace", "Ada", ""], ["Turing", "Alan", ""]],
    }
    record.update(overrides)
    return record


def test_arxiv_snapshot_record_becomes_a_paper(tmp_path: Path) -> None:
    (paper,) = read_papers([jsonl(tmp_path / "arxiv.jsonl", snapshot_record())])
    assert paper.title == "Pruning Heads in Transformers"
    assert paper.abstract == "We prune attention heads. The model gets faster."
    assert paper.arxiv_id == "2101.00001"
    assert paper.url == "https://arxiv.org/abs/2101.00001"
    assert paper.year == 2021  # first version, not the last update
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert paper.authors == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert paper.paper_id == make_paper_id("Pruning Heads in Transformers")


def test_arxiv_snapshot_without_versions_takes_the_update_year(tmp_path: Path) -> None:
    record = snapshot_record(id="math/0601001")
    del record["versions"]
    (paper,) = read_papers([jsonl(tmp_path / "arxiv.jsonl", record)])
    assert paper.year == 2022
    assert paper.url == "https://arxiv.org/abs/math/0601001"


def test_arxiv_snapshot_with_empty_abstract_is_an_error(tmp_path: Path) -> None:
    error = corpus_error(jsonl(tmp_path / "arxiv.jsonl", snapshot_record(abstract="  \n ")))
    assert error.where == "line 1" and "empty or missing abstract" in error.problem


# ---------------------------------------------------------------- CSV


def test_csv_with_optional_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.csv",
        "Title,Abstract,authors,year,url,arxiv_id,categories\n"
        '"Head Pruning","We prune heads, a lot.","A. One and B. Two",2021,,2101.00001,"cs.CL; cs.LG"\n'
        "Distillation,We distill.,,,,,\n",
    )
    first, second = read_papers([path])
    assert first.abstract == "We prune heads, a lot."
    assert (first.authors, first.year, first.arxiv_id) == (["A. One", "B. Two"], 2021, "2101.00001")
    assert first.url is None
    assert first.categories == ["cs.CL", "cs.LG"]
    assert (second.authors, second.year, second.categories, second.arxiv_id) == ([], None, [], None)


def test_csv_missing_required_column(tmp_path: Path) -> None:
    error = corpus_error(write(tmp_path / "p.csv", "title,summary\nT,S\n"))
    assert (error.source, error.where) == ("p.csv", "line 1")
    assert "missing required column(s) abstract" in error.problem


def test_csv_with_another_delimiter_says_to_use_commas(tmp_path: Path) -> None:
    error = corpus_error(write(tmp_path / "p.csv", "title;abstract\nT;A.\n"))
    assert "missing required column(s) title, abstract" in error.problem
    assert "separated by commas" in error.problem


@pytest.mark.parametrize(
    ("row", "field"), [(",An abstract.", "title"), ("A title,", "abstract"), ("A title", "abstract")]
)
def test_csv_empty_title_or_abstract_names_the_line(tmp_path: Path, row: str, field: str) -> None:
    error = corpus_error(write(tmp_path / "p.csv", f"title,abstract\nFine,Fine.\n{row}\n"))
    assert (error.source, error.where) == ("p.csv", "line 3")
    assert f"empty or missing {field}" in error.problem


def test_csv_row_with_extra_fields_asks_for_quoting(tmp_path: Path) -> None:
    error = corpus_error(write(tmp_path / "p.csv", "title,abstract\nT,We prune, a lot.\n"))
    assert error.where == "line 2" and "quote commas" in error.problem


# ---------------------------------------------------------------- code links


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("Code is at https://github.com/a/b.", ["https://github.com/a/b"]),
        ("Code: github.com/edwardjhu/TP4.", ["github.com/edwardjhu/TP4"]),
        (
            "(see https://github.com/a/b), and www.example.org/x;",
            ["https://github.com/a/b", "www.example.org/x"],
        ),
        ("Find it at [https://x.io/y]! Or at https://x.io/y?", ["https://x.io/y"]),
        ("Versions at https://pypi.org/project/a/1.2.3/: done", ["https://pypi.org/project/a/1.2.3/"]),
        ("No links here, e.g. none.", []),
    ],
)
def test_find_urls_drops_trailing_punctuation(text: str, urls: list[str]) -> None:
    assert find_urls(text) == urls


# ---------------------------------------------------------------- the real corpus, ids, de-duplication


def test_real_corpus_has_423_entries_and_364_unique_papers() -> None:
    files = sorted(REAL_PAPERS.iterdir())
    assert sum(len(read_file(file)) for file in files) == 423
    papers = read_papers([REAL_PAPERS])
    assert len(papers) == 364
    assert len({p.paper_id for p in papers}) == 364
    assert sum(len(p.sources) for p in papers) == 423  # every listing accounted for once


def test_real_corpus_code_urls_have_no_trailing_punctuation() -> None:
    urls = [url for paper in read_papers([REAL_PAPERS]) for url in paper.code_urls]
    assert len(urls) > 50
    assert not [url for url in urls if url[-1] in ".,;:!?)]'\""]


def test_duplicates_merge_their_sources(tmp_path: Path) -> None:
    jsonl(
        tmp_path / "a.jsonl",
        {"title": "Head Pruning", "abstract": "First."},
        {"title": "Other", "abstract": "O."},
    )
    jsonl(tmp_path / "b.jsonl", {"title": "head   PRUNING!", "abstract": "Second."})
    papers = {p.title: p for p in read_papers([tmp_path])}
    assert set(papers) == {"Head Pruning", "Other"}
    assert papers["Head Pruning"].sources == ["a.jsonl", "b.jsonl"]
    assert papers["Head Pruning"].abstract == "First."
    assert papers["Other"].sources == ["a.jsonl"]


def test_paper_ids_are_stable_and_independent_of_file_order() -> None:
    files = sorted(REAL_PAPERS.iterdir())
    forward = read_papers(files)
    backward = read_papers(list(reversed(files)))
    again = read_papers([REAL_PAPERS])
    assert [p.paper_id for p in forward] == [p.paper_id for p in again]
    # The same records whatever the order: ids, and the content hashes that decide re-embedding.
    assert {p.paper_id: p.content_hash for p in forward} == {p.paper_id: p.content_hash for p in backward}
    assert {p.paper_id: p.sources for p in forward} == {p.paper_id: p.sources for p in backward}


def test_paper_id_ignores_case_spacing_and_punctuation() -> None:
    assert make_paper_id("Attention Is All You Need") == make_paper_id("attention is all you need!")
    assert make_paper_id("Attention  Is All\tYou Need") == make_paper_id("Attention Is All You Need")
    assert make_paper_id("Attention Is All You Need") != make_paper_id("Attention Is Not All You Need")
    assert normalize_title("Ｆｕｌｌ-Width: Title") == "full width title"
    assert len(make_paper_id("x")) == 12
