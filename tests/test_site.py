"""The published site, served over HTTP and read as a reader's browser would (issue 28).

`make site` (scripts/assemble_site.py) lays every built edition out at its published
address; these tests assemble it again into a temporary folder, serve it from a server
of their own on 127.0.0.1 under the path of the book's address (``/resnet-book/``), as
GitHub Pages does (its 404.html for an address it has no file for), and crawl it from
the site's root only, as a reader arrives: every page of every edition must be reached
by links, and every page, stylesheet, script, image, font (MathJax's too), search
index and downloadable notebook that a page or a notebook names must be served. Links to
the book's own address (``BASEURL``: canonical links, the notebooks' links to the
chapters) are followed inside the site. Every other host must be on the list in
tests/data/external-hosts.txt; those links are read as text and never fetched. Colab,
Binder and GitHub links must name files of the repository (``repository`` in
_config.yml) at the path they give. Needs `make book` and `make student`.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlparse

import pytest
import yaml

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import assemble_site  # noqa: E402
from learner_notebook import edition_url  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
BASEURL = edition_url("full")  # html.baseurl, or the repository's GitHub Pages
PREFIX = urlparse(BASEURL).path  # where the site is served: "/resnet-book/"
REPOSITORY = urlparse(CONFIG["repository"]["url"]).path.strip("/")
BRANCH = CONFIG["repository"]["branch"]
ALLOWED_HOSTS = {
    line.split()[0]: line.split(None, 1)[1]
    for line in (ROOT / "tests" / "data" / "external-hosts.txt")
    .read_text()
    .splitlines()
    if line.strip() and not line.startswith("#")
}
#: XML namespace names in inline SVG: identifiers that no browser fetches
NAMESPACES = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/XML/1998/namespace",
}
URL = re.compile(r"""https?://[^\s"'`<>)\]\\]+""")


# ------------------------------------------------------------------ the site, served


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    try:
        return assemble_site.assemble(tmp_path_factory.mktemp("site"))
    except assemble_site.SiteError as err:
        pytest.fail(f"{err}\n(`make test` builds every edition first)")


class _Host(http.server.SimpleHTTPRequestHandler):
    """The site at PREFIX, and its 404.html with status 404 for any address that has
    no file, as GitHub Pages serves a project site."""

    def __init__(self, *args, site: Path, **kwargs):
        self.site = site
        super().__init__(*args, directory=str(site), **kwargs)

    def translate_path(self, path: str) -> str:
        path = urlparse(path).path
        if not path.startswith(PREFIX):
            return str(self.site / "no such file")
        return super().translate_path("/" + path[len(PREFIX) :])

    def send_error(self, code, message=None, explain=None):
        page = self.site / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Host, site=site)
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> tuple[int, bytes]:
    """(status, body) of ``url``, which must be on this machine's loopback."""
    assert urlparse(url).hostname == "127.0.0.1", f"not fetched: {url}"
    try:
        with _opener.open(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# ------------------------------------------------------------------ reading a page


class _Page(HTMLParser):
    """What a browser would fetch or follow from a page: the URLs of its attributes
    (href, src, srcset, action, poster, data), its meta refresh, the URLs written in
    its inline scripts and styles, and the ids its anchors can point at."""

    ATTRIBUTES = {"href", "src", "action", "poster", "data", "xlink:href"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.texts: list[str] = []  # inline scripts and styles
        self.ids: set[str] = set()
        self._raw: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        for key, value in attrs:
            if not value:
                continue
            if key in self.ATTRIBUTES:
                self.refs.append(value.strip())
            elif (
                key == "srcset"
            ):  # candidates: "url [descriptor]", comma and space
                # apart (a data: URL holds a comma of its own, and is the page itself)
                self.refs += [
                    c.split()[0]
                    for c in re.split(r",\s+", value.strip())
                    if c.strip() and not c.strip().startswith("data:")
                ]
            elif key == "style":
                self.texts.append(value)
        if (a.get("http-equiv") or "").lower() == "refresh":
            target = (a.get("content") or "").partition("url=")[2]
            if target:
                self.refs.append(target.strip())
        self._raw = tag if tag in ("script", "style") else None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._raw = None

    def handle_endtag(self, tag):
        self._raw = None

    def handle_data(self, data):
        if self._raw:
            self.texts.append(data)


def css_refs(text: str) -> list[str]:
    """The URLs a stylesheet loads: url(...) and @import."""
    refs = re.findall(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)""", text)
    return refs + re.findall(r"""@import\s+['"]([^'"]+)['"]""", text)


# ------------------------------------------------------------------ the crawl


@dataclass
class Crawl:
    """What a reader can reach from the editions' roots, and where each came from."""

    status: dict[str, int] = field(default_factory=dict)  # path -> HTTP status
    #: path -> the pages (notebooks, stylesheets, ...) that refer to it
    linked_from: dict[str, set[str]] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)  # page path -> ids
    anchors: list[tuple[str, str, str]] = field(default_factory=list)
    #: (page, URL) of every link out of the site
    external: list[tuple[str, str]] = field(default_factory=list)
    from_root: set[str] = field(default_factory=set)  # reached from PREFIX
    #: addresses that have no file on purpose: the host answers them with 404.html
    absent: set[str] = field(default_factory=set)
    bytes: int = 0
    seconds: float = 0.0

    @property
    def pages(self) -> list[str]:
        return [p for p in self.ids if self.status.get(p) == 200]

    def broken(self) -> list[str]:
        return [
            f"{path} ({status}), from {', '.join(sorted(self.linked_from[path]))}"
            for path, status in sorted(self.status.items())
            if status != (404 if path in self.absent else 200)
        ]


def _is_page(path: str) -> bool:
    return path.endswith((".html", "/"))


def crawl(
    server: str, seeds: list[str], absent: tuple[str, ...] = ()
) -> Crawl:
    """Follow every reference from ``seeds`` (paths under PREFIX), and from the page
    served for each address of ``absent``; the first seed's reach is recorded in
    ``from_root``."""
    found = Crawl(absent=set(absent))
    seeds = [*seeds, *absent]
    start = time.perf_counter()
    for i, seed in enumerate(seeds):
        queue = [seed]
        found.linked_from.setdefault(seed, {"(an edition's root)"})
        while queue:
            path = queue.pop()
            if path in found.status:
                continue
            status, body = fetch(server + path)
            found.status[path] = status
            found.bytes += len(body)
            if i == 0:
                found.from_root.add(path)
            if status != 200 and path not in found.absent:
                continue
            for ref, fragment in _references(found, path, body):
                found.linked_from.setdefault(ref, set()).add(path)
                if ref not in found.status and ref not in queue:
                    queue.append(ref)
                if fragment and _is_page(ref):
                    found.anchors.append((path, ref, fragment))
    found.seconds = time.perf_counter() - start
    return found


def _internal(base: str, ref: str) -> tuple[str, str] | None:
    """(path under PREFIX, fragment) of a reference made on page ``base``; None for a
    reference out of the site."""
    if ref.startswith(BASEURL):
        ref = PREFIX + ref[len(BASEURL) :]
    url = urlparse(urljoin("http://site" + base, ref))
    if url.netloc != "site" or url.scheme != "http":
        return None
    return unquote(url.path), url.fragment


def _references(found: Crawl, path: str, body: bytes):
    """The site's paths (and fragments) that the file at ``path`` refers to; what it
    refers to outside the site goes to ``found.external``."""
    text = body.decode("utf-8", errors="replace")
    refs: list[str] = []
    if _is_page(path):
        page = _Page()
        page.feed(text)
        found.ids[path] = page.ids
        refs = page.refs
        for inline in page.texts:
            refs += css_refs(inline)
            found.external += [
                (path, u) for u in URL.findall(inline) if u not in NAMESPACES
            ]
    elif path.endswith(".css"):
        refs = css_refs(text)
    elif path.endswith("/searchindex.js"):
        # the search page opens every document of its index
        index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
        refs = [f"{doc}.html" for doc in index["docnames"]]
    elif re.search(r"/mathjax/[^/]+\.js$", path) and "woff-v2" in text:
        # MathJax's CommonHTML output loads its fonts from beside its script
        refs = [
            f"output/chtml/fonts/woff-v2/{name}"
            for name in sorted(set(re.findall(r"MathJax_[\w-]+\.woff", text)))
        ]
    elif path.endswith(".ipynb"):
        notebook = json.loads(text)
        words = "\n".join("".join(c["source"]) for c in notebook["cells"])
        refs = [u for u in URL.findall(words) if u.startswith(BASEURL)]
        found.external += [
            (path, u) for u in URL.findall(words) if not u.startswith(BASEURL)
        ]
    for ref in refs:
        if ref.startswith(("data:", "javascript:", "mailto:", "tel:")):
            continue
        target = _internal(path, ref)
        if target is None:
            if ref not in NAMESPACES:
                found.external.append((path, ref))
            continue
        ref_path, fragment = target
        if ref_path == path and fragment:
            found.anchors.append((path, path, fragment))
        elif ref_path != path:
            yield ref_path, fragment


@pytest.fixture(scope="module")
def crawled(server, site) -> Crawl:
    # from the site's root only, as a reader arrives; then from the page the host
    # serves for an address it has no file for
    found = crawl(
        server, [PREFIX], absent=(PREFIX + "student/no/such/page.html",)
    )
    per_edition = ", ".join(
        f"{e.published or '/'} {len(reached)}"
        for e, reached in reached_pages(found).items()
    )
    print(
        f"\nthe site ({assemble_site.describe(site)}): crawled in "
        f"{found.seconds:.1f} s, {len(found.status)} addresses "
        f"({found.bytes / 2**20:.1f} MiB), {len(found.pages)} pages "
        f"({per_edition} from {PREFIX}), {len(found.anchors)} links to anchors, "
        f"{len(found.external)} links out of the site"
    )
    return found


def _edition_of(path: str):
    """The edition whose folder holds ``path`` (a path of the site, "" for its
    root): the one published deepest above it."""
    return max(
        (e for e in assemble_site.EDITIONS if path.startswith(e.published)),
        key=lambda e: len(e.published),
    )


def edition_pages(site: Path) -> dict:
    """Each edition's pages in the folder (:func:`assemble_site.pages`), by path
    in the site."""
    pages: dict = {e: set() for e in assemble_site.EDITIONS}
    for f in assemble_site.pages(site):
        path = f.relative_to(site).as_posix()
        if path != "404.html":
            pages[_edition_of(path)].add(path)
    return pages


def reached_pages(found: Crawl) -> dict:
    """Each edition's pages that a reader reaches from the site's root (an address
    that ends with / is its index.html), by path in the site."""
    pages: dict = {e: set() for e in assemble_site.EDITIONS}
    for address in found.from_root:
        if found.status.get(address) != 200 or not _is_page(address):
            continue
        path = address[len(PREFIX) :]
        path += "index.html" if path.endswith("/") or not path else ""
        pages[_edition_of(path)].add(path)
    return pages


# ------------------------------------------------------------------ the tests


def test_every_edition_is_at_its_published_address(site):
    """The layout that the language switch and the notebooks' links expect."""
    words = {"en": "(student edition)", "zh_CN": "（学生版）"}
    lang = {"en": "en", "zh_CN": "zh-CN"}
    for edition in assemble_site.EDITIONS:
        page = (site / edition.published / "book" / "intro.html").read_text()
        assert f'<html lang="{lang[edition.language]}"' in page, edition
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        student = edition.published.startswith("student/")
        assert (words[edition.language] in title) == student, (edition, title)
        # the tab's icon, from the edition's own folder (else a browser asks
        # for /favicon.ico, which the host answers with the 404 page)
        icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
        assert (site / edition.published / "book" / icon).resolve().is_file()
    assert (site / "404.html").is_file(), "no 404.html at the site's root"
    not_found = (site / "404.html").read_text()
    for edition in assemble_site.EDITIONS:
        assert f'href="{PREFIX}{edition.published}"' in not_found
    assert f'<link rel="icon" href="{PREFIX}_static/favicon.svg">' in not_found


def test_the_site_holds_no_build_records_no_student_sources_no_build_paths(
    site,
):
    """Nothing of the build is published: Sphinx's records, the chapters' sources in
    the student editions (they hold the solutions), this machine's folders."""
    files = [f for f in site.rglob("*") if f.is_file()]
    records = [
        f.relative_to(site)
        for f in site.rglob("*")
        if f.name in assemble_site.BUILD_RECORDS
    ]
    assert not records, records
    sources = [
        f.relative_to(site)
        for f in (site / "student").rglob("*")
        if "_sources" in f.relative_to(site).parts
    ]
    assert not sources, sources[:5]
    folders = {str(ROOT), str(Path(sys.prefix).resolve())} | {
        f"{folder}/"
        for folder in (ROOT.parent, Path.home())
        if folder.parent != folder
    }
    found = [
        f"{f.relative_to(site)}: {folder}"
        for f in files
        if f.suffix
        in (".html", ".js", ".css", ".ipynb", ".md", ".txt", ".svg")
        for folder in folders
        if folder in f.read_text(encoding="utf-8", errors="replace")
    ]
    assert not found, found[:10]


def test_every_link_and_asset_of_every_edition_is_served(crawled):
    """Pages, language switches, prev/next, the search index's documents, scripts,
    stylesheets, images, fonts (MathJax's too), downloads, and the notebooks' links to
    the book's address: each is served (200)."""
    assert not crawled.broken(), "\n".join(crawled.broken())
    pages = [p for p in crawled.pages if p.endswith("/book/intro.html")]
    assert len(pages) == len(assemble_site.EDITIONS), pages


def test_every_page_of_every_edition_is_reached_from_the_root(crawled, site):
    """A reader who arrives at the site's root reaches every page of every edition
    by following links: the Chinese editions by the language switch, the student
    editions from the teachers' page (the ``edition`` role of book/_ext)."""
    in_folder, reached = edition_pages(site), reached_pages(crawled)
    for edition in assemble_site.EDITIONS:
        assert in_folder[edition], f"{edition.name}: no page in {site}"
        unreached = sorted(in_folder[edition] - reached[edition])
        assert not unreached, (
            f"{edition.name}: {len(unreached)} of {len(in_folder[edition])} "
            f"pages no link from {PREFIX} leads to: {unreached[:10]}"
        )
        assert len(reached[edition]) == len(in_folder[edition]), edition.name


def test_an_address_with_no_page_is_answered_by_the_404_page(server, site):
    """The site's root holds the 404.html the host serves for every missing address,
    at any depth: its links to the editions (followed by the crawl from a missing
    address under student/) are absolute."""
    status, body = fetch(f"{server}{PREFIX}student/no/such/page.html")
    assert status == 404
    assert body == (site / "404.html").read_bytes()


def test_every_anchor_names_an_element_of_its_page(crawled):
    missing = sorted(
        {
            f"{target}#{fragment}, from {page}"
            for page, target, fragment in crawled.anchors
            if target in crawled.ids and fragment not in crawled.ids[target]
        }
    )
    assert not missing, "\n".join(missing)


def test_external_links_go_only_to_the_allowed_hosts(crawled):
    """Every host outside the site is on tests/data/external-hosts.txt, and every
    host there is still used (an entry nobody needs is removed)."""
    hosts = {urlparse(u).hostname for _, u in crawled.external}
    others = sorted(
        f"{url} (from {page})"
        for page, url in crawled.external
        if urlparse(url).hostname not in ALLOWED_HOSTS
    )
    assert not others, "\n".join(others)
    unused = set(ALLOWED_HOSTS) - hosts
    assert not unused, (
        f"no page links {', '.join(sorted(unused))}: remove from "
        "tests/data/external-hosts.txt"
    )


def _tracked() -> set[str]:
    """The repository's committed files (empty outside a git checkout)."""
    result = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
    )
    return set(result.stdout.split()) if result.returncode == 0 else set()


def repository_file(url: str) -> str | None:
    """The file of the repository that a Colab, Binder or GitHub link opens (None for
    a link that opens no file); a link to another repository or branch is an error."""
    parsed = urlparse(url)
    if parsed.hostname == "colab.research.google.com":
        m = re.fullmatch(
            r"/github/([^/]+/[^/]+)/blob/([^/]+)/(.+)", parsed.path
        )
        assert m, f"a Colab link that opens no notebook: {url}"
        repo, branch, path = m.groups()
    elif parsed.hostname == "mybinder.org":
        m = re.fullmatch(r"/v2/gh/([^/]+/[^/]+)/([^/]+)/?", parsed.path)
        query = parse_qs(parsed.query)
        opened = (
            query.get("urlpath", [""])[0].partition("/tree/")[2]
            or (query.get("filepath", [""])[0])
        )
        assert m and opened, f"a Binder link that opens no notebook: {url}"
        (repo, branch), path = m.groups(), opened
    elif parsed.hostname == "github.com":
        m = re.fullmatch(
            r"/([^/]+/[^/]+)/(?:blob|tree|edit|raw)/([^/]+)/(.+)", parsed.path
        )
        if not m:
            return None
        repo, branch, path = m.groups()
    else:
        return None
    assert (repo, branch) == (REPOSITORY, BRANCH), (
        f"{url} opens {repo}@{branch}, not the configured {REPOSITORY}@{BRANCH}"
    )
    return unquote(path)


def _in_repository(path: str, tracked: set[str]) -> bool:
    """Whether ``path`` is a committed file (or folder) of the repository; outside a
    git checkout, a file (or folder) of this copy."""
    if not tracked:
        return (ROOT / path).exists()
    return path in tracked or any(f.startswith(path + "/") for f in tracked)


def test_colab_binder_and_github_links_open_files_of_the_repository(crawled):
    tracked = _tracked()
    links = {url: page for page, url in reversed(crawled.external)}
    opened = {url: repository_file(url) for url in links}
    notebooks = {
        path
        for url, path in opened.items()
        if path and urlparse(url).hostname != "github.com"
    }
    assert notebooks, "no Colab or Binder link on any page"
    assert all(p.endswith(".ipynb") for p in notebooks), notebooks
    missing = sorted(
        f"{url} (from {links[url]}): the repository has no {path}"
        for url, path in opened.items()
        if path and not _in_repository(path, tracked)
    )
    assert not missing, "\n".join(missing)


def test_a_missing_edition_stops_the_assembly_naming_what_builds_it(
    tmp_path, capsys
):
    editions = []
    for e in assemble_site.EDITIONS:
        built = tmp_path / "build" / (e.published or "root")
        built.mkdir(parents=True)
        # every edition built but the Chinese student edition
        if e.published != "student/zh/":
            (built / "index.html").write_text("<p>built</p>")
        editions.append(
            assemble_site.Edition(
                e.name,
                built,
                e.published,
                e.command,
                e.sources,
                e.language,
                e.label,
            )
        )
    with pytest.raises(assemble_site.SiteError) as err:
        assemble_site.assemble(tmp_path / "site", editions)
    message = str(err.value)
    assert "the Chinese student edition" in message
    assert "make student" in message
    assert "the book " not in message  # only what is missing is named
    assert not (tmp_path / "site").exists()
    # the command says it on stderr, and fails
    assert assemble_site.main(["--out", str(tmp_path / "site")], editions)
    printed = capsys.readouterr().err
    assert (
        "the Chinese student edition" in printed and "make student" in printed
    )
