"""Readers that turn papers files into `Paper` records, and de-duplication across files.

Formats, chosen by file extension:
- ``.txt``: a paper-listing page: header lines, a date line such as ``Mar 14``, then alternating
  title and abstract paragraphs.
- ``.jsonl`` / ``.json``: one JSON object per line. Either paperlens records (``title``,
  ``abstract``; optional ``authors``, ``year``, ``url``, ``arxiv_id``, ``categories``) or the arXiv
  metadata snapshot (``id``, ``title``, ``abstract``, ``authors``, ``categories``, ``update_date``).
- ``.csv``: a header row with at least ``title`` and ``abstract``.

Every problem raises `CorpusError` naming the file, the line or record, and what to fix.

A record is bounded before it is used (`cap_record`): an abstract longer than the limit is cut,
and a "title" too long to be one skips the record, so one bad record cannot turn an ingest into
hours of embedding. De-duplication keeps one paper per title and per arXiv id. Every record
that was cut, skipped or merged away with a difference is noted (`RecordNote`) for the ingest
summary.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as default
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from paperlens.config import DEFAULT_MAX_RECORD_CHARS
from paperlens.errors import CorpusError
from paperlens.text import split_sentences
from paperlens.types import Paper

SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".json", ".csv")
DATE_LINE = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}$")
URL = re.compile(r"(?:https?://|www\.|github\.com/)[^\s<>\"')\]]+", re.IGNORECASE)
OPTIONAL_FIELDS = ("authors", "year", "url", "arxiv_id", "categories")
MAX_TITLE_CHARS = 1_000  # real titles stay under 300; a longer "title" is a broken record
ARXIV_ID = re.compile(r"(?:arxiv:|https?://arxiv\.org/abs/)?(.+?)(?:v\d+)?", re.IGNORECASE)
NoteKind = Literal["capped", "skipped", "same_title_other_abstract", "same_arxiv_id"]


class RecordNote(BaseModel):
    """A record that ingest changed or left out, for the summary."""

    kind: NoteKind
    where: str  # "file.jsonl, line 3"
    title: str  # shortened
    detail: str

    def __str__(self) -> str:
        return f"{self.where} ({self.title!r}): {self.detail}"


@dataclass
class Corpus:
    """The papers read from a set of files, and what was noted on the way."""

    papers: list[Paper]
    notes: list[RecordNote] = default(default_factory=list)


def normalize_title(title: str) -> str:
    """Case-, accent-width- and punctuation-insensitive form used for ids and de-duplication."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def make_paper_id(title: str) -> str:
    """Same title, same id: independent of file names, order and re-ingest."""
    return hashlib.sha1(normalize_title(title).encode("utf-8")).hexdigest()[:12]


def find_urls(text: str) -> list[str]:
    """Links in an abstract (code repositories, project pages), without trailing punctuation."""
    found = [match.rstrip(".,;:!?") for match in URL.findall(text)]
    return list(dict.fromkeys(found))


def clean(text: str) -> str:
    return " ".join(text.split())


def read_papers(paths: Iterable[Path], max_chars: int = DEFAULT_MAX_RECORD_CHARS) -> list[Paper]:
    """Read every supported file under `paths` and merge papers listed more than once."""
    return read_corpus(paths, max_chars).papers


def read_corpus(paths: Iterable[Path], max_chars: int = DEFAULT_MAX_RECORD_CHARS) -> Corpus:
    """The papers of every supported file under `paths`, capped and de-duplicated, with a note
    for each record that was cut, skipped or merged away with a difference.

    Files are read in name order whatever the order of `paths`, so the record that wins a
    duplicate (and with it the paper's content hash) does not depend on how files were passed.
    """
    files = sorted(set(expand_paths(paths)), key=lambda file: (file.name, str(file)))
    entries: list[tuple[Paper, str]] = []
    notes: list[RecordNote] = []
    for file in files:
        entries.extend(read_entries(file, max_chars, notes))
    papers, merged = merge_duplicates(entries)
    return Corpus(papers, notes + merged)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not found:
                raise CorpusError(str(path), None, "no .txt, .jsonl, .json or .csv files here")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusError(str(path), None, "no such file or directory")
    return files


def read_file(path: Path, max_chars: int = DEFAULT_MAX_RECORD_CHARS) -> list[Paper]:
    """The papers of one file, in file order (duplicates not merged)."""
    return [paper for paper, _ in read_entries(path, max_chars, [])]


def read_entries(path: Path, max_chars: int, notes: list[RecordNote]) -> list[tuple[Paper, str]]:
    """Each paper of one file with where it is ("file.jsonl, line 3"); records that were cut or
    skipped are added to `notes`."""
    entries = []
    for where, record in file_records(path):
        location = f"{path.name}, {where}"
        capped, note = cap_record(record, max_chars, location)
        if note is not None:
            notes.append(note)
        if capped is not None:
            entries.append((make_paper(capped, path.name, where), location))
    return entries


def file_records(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """The raw records of one file, each with its line or record number."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(
            str(path),
            None,
            f"unknown format '{suffix or 'no extension'}'; use .txt (listing page), "
            ".jsonl/.json (records or arXiv snapshot) or .csv",
        )
    text = decode(path)
    if suffix == ".txt":
        return listing_records(text, path.name)
    if suffix == ".csv":
        return csv_records(text, path.name)
    return list(json_records(text, path.name))


def cap_record(
    record: dict[str, Any], max_chars: int, where: str
) -> tuple[dict[str, Any] | None, RecordNote | None]:
    """The record with its abstract cut to `max_chars` (at a word break), or None when its title
    is too long to be a title; and the note saying so. Only the start of a huge text is ever
    cleaned, so a record of any size costs little."""
    title, abstract = record.get("title"), record.get("abstract")
    if isinstance(title, str) and len(title) > MAX_TITLE_CHARS:
        detail = (
            f"skipped: its title has {len(title):,} characters (at most {MAX_TITLE_CHARS:,}); "
            "is the abstract in the title field?"
        )
        return None, RecordNote(kind="skipped", where=where, title=label(title), detail=detail)
    if not isinstance(abstract, str) or len(abstract) <= max_chars:
        return record, None
    kept = clean(abstract[: 2 * max_chars])  # whitespace runs fold away, so take some spare
    if len(kept) <= max_chars and len(abstract) <= 2 * max_chars:
        return {**record, "abstract": kept}, None  # under the limit once whitespace is folded
    cut = kept[:max_chars]
    cut = cut[: cut.rfind(" ")] if " " in cut[max_chars // 2 :] else cut  # end at a word break
    detail = (
        f"abstract cut from {len(abstract):,} to {len(cut):,} characters (ingest.max_record_chars "
        f"is {max_chars:,})"
    )
    note = RecordNote(kind="capped", where=where, title=label(title), detail=detail)
    return {**record, "abstract": cut}, note


def label(title: Any) -> str:
    """A title short enough for a one-line note."""
    text = clean(title[:200]) if isinstance(title, str) else ""
    return text if len(text) <= 80 else text[:79] + "…"


def decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusError(
            str(path),
            f"line {line}",
            f"bytes that are not UTF-8 at offset {error.start}; save the file as UTF-8",
        ) from None


def listing_records(text: str, source: str) -> list[tuple[str, dict[str, Any]]]:
    """Parse a listing page: header, a date line, then title/abstract paragraph pairs."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)]
    paragraphs = [(number, line) for number, line in lines if line]
    date_at = next((i for i, (_, line) in enumerate(paragraphs) if DATE_LINE.match(line)), None)
    if date_at is None:
        raise CorpusError(
            source, None, "no date line such as 'Mar 14' before the papers; add one after the header"
        )
    date = paragraphs[date_at][1]
    body = paragraphs[date_at + 1 :]
    if len(body) % 2:
        number, hint = odd_paragraph_hint(body)
        raise CorpusError(
            source,
            f"line {number}",
            f"odd number of paragraphs after the date line ({len(body)}): every title needs an "
            f"abstract paragraph after it; {hint}",
        )
    return [
        (f"line {title_line}", {"title": title, "abstract": abstract, "date": date})
        for (title_line, title), (_, abstract) in zip(body[0::2], body[1::2], strict=True)
    ]


def looks_like_title(paragraph: str) -> bool:
    """Titles are short and are not a run of sentences; abstracts are long prose."""
    return len(paragraph) <= 300 and len(split_sentences(paragraph)) == 1


def odd_paragraph_hint(body: list[tuple[int, str]]) -> tuple[int, str]:
    """Where a title/abstract pairing first goes wrong, and what is probably missing there."""
    pairs = [(body[i], body[i + 1] if i + 1 < len(body) else None) for i in range(0, len(body), 2)]
    for (title_line, title), following in pairs:
        if not looks_like_title(title):
            return title_line, (
                f"the paragraph at line {title_line} ({title[:60]!r}) reads like an abstract "
                "without a title before it; add its title or remove it"
            )
        if following is None:
            return title_line, (
                f"the last title, at line {title_line} ({title[:60]!r}), has no abstract after it; "
                "add its abstract or remove it"
            )
        if looks_like_title(following[1]):
            return title_line, (
                f"the title at line {title_line} ({title[:60]!r}) has no abstract after it "
                f"(line {following[0]} looks like another title); add its abstract or remove it"
            )
    raise AssertionError("an odd count always leaves a paragraph without a partner")


def csv_records(text: str, source: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("title", "abstract") if name not in header]
    if missing:
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = "; columns must be separated by commas"
        raise CorpusError(
            source, "line 1", f"missing required column(s) {', '.join(missing)} in the header row{hint}"
        )
    reader.fieldnames = header
    records = []
    for row in reader:
        where = f"line {reader.line_num}"
        if None in row:
            raise CorpusError(source, where, "more fields than header columns; quote commas in text")
        records.append((where, dict(row)))
    return records


def json_records(text: str, source: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if text.lstrip().startswith("{") and "\n" in text.strip() and not first_line_is_json(text):
        try:  # one pretty-printed object rather than JSON lines
            record = json.loads(text)
        except json.JSONDecodeError:
            pass  # not that either: report it line by line below
        else:
            yield "record 1", as_object(record, source, "record 1")
            return
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise CorpusError(source, f"line {error.lineno}", f"invalid JSON: {error.msg}") from None
        for index, record in enumerate(records, 1):
            yield f"record {index}", as_object(record, source, f"record {index}")
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(
                source,
                f"line {number}",
                f"invalid or truncated JSON ({error.msg}); each line must be one complete object",
            ) from None
        yield f"line {number}", as_object(record, source, f"line {number}")


def first_line_is_json(text: str) -> bool:
    try:
        json.loads(text.strip().splitlines()[0])
    except json.JSONDecodeError:
        return False
    return True


def as_object(record: Any, source: str, where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise CorpusError(source, where, "expected a JSON object with title and abstract")
    return record


def make_paper(record: dict[str, Any], source: str, where: str) -> Paper:
    """Validate one record (any format) and build the Paper."""
    if is_arxiv_snapshot(record):
        record = from_arxiv_snapshot(record)
    for field in ("title", "abstract"):
        value = record.get(field)
        if not isinstance(value, str) or not value.strip():
            raise CorpusError(source, where, f"empty or missing {field}; every paper needs one")
    title, abstract = clean(record["title"]), clean(record["abstract"])
    try:
        return Paper(
            paper_id=make_paper_id(title),
            title=title,
            abstract=abstract,
            authors=as_list(record.get("authors"), separator=","),
            year=as_year(record.get("year")),
            date=optional_text(record.get("date")),
            url=optional_text(record.get("url")),
            arxiv_id=optional_text(record.get("arxiv_id")),
            categories=as_list(record.get("categories"), separator=" "),
            sources=[source],
            code_urls=find_urls(abstract),
        )
    except ValueError as error:
        raise CorpusError(source, where, f"bad field value: {error}") from None


def is_arxiv_snapshot(record: dict[str, Any]) -> bool:
    return "id" in record and ("update_date" in record or "versions" in record)


def from_arxiv_snapshot(record: dict[str, Any]) -> dict[str, Any]:
    arxiv_id = str(record["id"])
    return {
        "title": record.get("title"),
        "abstract": record.get("abstract"),
        "authors": record.get("authors"),
        "categories": record.get("categories"),
        "arxiv_id": arxiv_id,
        "url": f"https://arxiv.org/abs/{arxiv_id}",
        "year": snapshot_year(record),
    }


def snapshot_year(record: dict[str, Any]) -> int | None:
    """Year of first submission when the versions list has it, else of the last update."""
    versions = record.get("versions") or []
    if versions and isinstance(versions[0], dict):
        match = re.search(r"\b(19|20)\d{2}\b", str(versions[0].get("created", "")))
        if match:
            return int(match.group())
    update = str(record.get("update_date") or "")
    return int(update[:4]) if update[:4].isdigit() else None


def as_list(value: Any, separator: str) -> list[str]:
    """Authors come as 'A, B and C'; arXiv categories as 'cs.LG stat.ML' (commas and semicolons
    are accepted too); either may be a list."""
    if not value:
        return []
    if isinstance(value, list):
        items = [str(item) for item in value]
    elif separator == ",":
        items = re.split(r",|\s+and\s+", str(value))
    else:
        items = re.split(r"[\s,;]+", str(value))
    return [clean(item) for item in items if item.strip()]


def optional_text(value: Any) -> str | None:
    """Optional text fields: strip them, and read blank CSV cells as missing."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__} {value!r}")
    return value.strip() or None


def as_year(value: Any) -> int | None:
    if value is None or value == "":
        return None
    year = int(str(value).strip()[:4])
    if not 1900 <= year <= 2100:
        raise ValueError(f"year {value!r} is not a year between 1900 and 2100")
    return year


def deduplicate(papers: Iterable[Paper]) -> list[Paper]:
    """One record per paper (see `merge_duplicates`)."""
    return merge_duplicates((paper, ", ".join(paper.sources)) for paper in papers)[0]


def arxiv_key(arxiv_id: str | None) -> str | None:
    """An arXiv id without its prefix, URL or version: '2401.01234v2' -> '2401.01234'."""
    if not arxiv_id or not arxiv_id.strip():
        return None
    match = ARXIV_ID.fullmatch(arxiv_id.strip())
    return (match.group(1) if match else arxiv_id.strip()).lower()


def merge_duplicates(entries: Iterable[tuple[Paper, str]]) -> tuple[list[Paper], list[RecordNote]]:
    """One paper per normalized title and per arXiv id: the first record wins and sources are
    merged. A later record that differs (same title but another abstract, or the same arXiv id
    under another title) is noted; plain repeats (the same paper on two listing pages) are not."""
    merged: dict[str, Paper] = {}
    first_at: dict[str, str] = {}
    by_arxiv: dict[str, str] = {}
    notes: list[RecordNote] = []
    for paper, where in entries:
        key = arxiv_key(paper.arxiv_id)
        kept_id = by_arxiv.get(key, paper.paper_id) if key else paper.paper_id
        kept = merged.get(kept_id)
        if kept is None:
            merged[paper.paper_id] = paper.model_copy(deep=True)
            first_at[paper.paper_id] = where
            if key:
                by_arxiv[key] = paper.paper_id
            continue
        kept.sources = list(dict.fromkeys([*kept.sources, *paper.sources]))
        if note := difference(paper, where, kept, first_at[kept_id], key):
            notes.append(note)
        if key and key not in by_arxiv:
            by_arxiv[key] = kept_id
    return list(merged.values()), notes


def difference(
    dropped: Paper, where: str, kept: Paper, kept_at: str, arxiv: str | None
) -> RecordNote | None:
    """Why the record `dropped` (at `where`, merged into `kept`) deserves a note, if it does."""
    kind: NoteKind
    if dropped.paper_id != kept.paper_id:
        kind, detail = "same_arxiv_id", f"same arXiv id {arxiv} as {kept.title!r} ({kept_at})"
    elif dropped.abstract != kept.abstract:
        kind, detail = "same_title_other_abstract", f"same title as {kept_at} but another abstract"
    else:
        return None
    detail += "; that record was kept"
    return RecordNote(kind=kind, where=where, title=label(dropped.title), detail=detail)
