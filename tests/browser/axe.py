"""axe-core on every page the browser tests load.

Each browser context the tests open gets the pinned axe-core (tests/browser/vendor) as an init
script, so `window.axe` is in every document without touching the page's Content Security Policy
(init scripts are added by the browser itself, not by a <script> tag, and the policy stays on, so
the tests still catch any inline script). Pages reach the tests wrapped in `CheckedPage`: before
each call on the page, the document on show is checked once it has loaded, so a page is checked
before the test can leave it. Documents left before a check (a click through a locator kept from
an earlier page) are loaded again and checked when the test ends; one that cannot be checked then
is named. A document whose markup (less CSRF tokens) and window size match one already checked in
the run is not put through axe again: what axe found there stands. What axe finds fails the test,
listed page by page.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

VENDOR = Path(__file__).parent / "vendor"
AXE_SCRIPT = VENDOR / "axe.min.js"
AXE_VERSION = "4.14.1"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Runs in the page, once per document and only once it has finished loading: axe-core, unless a
# document with the same markup at the same window size was checked before (then what axe found
# there stands). The markup is compared without the values of hidden inputs (CSRF tokens).
CHECK = """async ({tags, known}) => {
  if (typeof axe === "undefined" || document.readyState !== "complete") return null;
  if (!location.protocol.startsWith("http") || document.contentType !== "text/html") return null;
  if (window.__axeChecked) return null;
  window.__axeChecked = true;
  const copy = document.documentElement.cloneNode(true);
  for (const input of copy.querySelectorAll("input[type=hidden]")) input.removeAttribute("value");
  for (const element of copy.querySelectorAll("[nonce]")) element.removeAttribute("nonce");
  const text = `${innerWidth}x${innerHeight} ${copy.outerHTML}`;
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;  // cyrb53
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const fingerprint = `${(h2 >>> 0).toString(16)}-${(h1 >>> 0).toString(16)}`;
  if (known.includes(fingerprint)) return {url: location.href, fingerprint, violations: null};
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return {
    url: location.href,
    fingerprint,
    violations: results.violations.map((rule) => ({
      id: rule.id,
      impact: rule.impact,
      help: rule.help,
      targets: rule.nodes.map((node) => node.target.join(" ")),
    })),
  };
}"""

# Page methods that neither act on the document nor can leave it.
UNCHECKED_CALLS = {"on", "once", "remove_listener", "is_closed", "close", "evaluate"}


def missing_reason() -> str | None:
    """Why axe cannot run, or None when the pinned version is in place."""
    if not AXE_SCRIPT.exists():
        return f"axe-core is missing: {AXE_SCRIPT} (see {VENDOR / 'README.md'})"
    with AXE_SCRIPT.open(encoding="utf-8") as script:
        first_line = script.readline()
    if f"axe v{AXE_VERSION}" not in first_line:
        return f"{AXE_SCRIPT} is not axe-core {AXE_VERSION}: {first_line.strip()}"
    return None


def without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


@dataclass
class Audit:
    """The axe checks of one test."""

    # What axe found on each document checked in this run of the tests, by fingerprint.
    known: dict = field(default_factory=dict)
    running: bool = True  # while the test runs; contexts closed after it are not checked
    contexts: list = field(default_factory=list)
    checked: set = field(default_factory=set)
    findings: list = field(default_factory=list)
    unreachable: list = field(default_factory=list)

    def check(self, page) -> str | None:
        """Run axe on the document the page shows, if it has loaded and is not checked yet;
        the error, when the page could not be checked (most often: it is between documents, and
        the next call or the end of the test checks it)."""
        try:
            result = page.evaluate(CHECK, {"tags": TAGS, "known": list(self.known)})
        except PlaywrightError as error:
            return str(error).splitlines()[0]
        if result is None:
            return None
        if result["violations"] is None:
            result["violations"] = self.known[result["fingerprint"]]
        self.known[result["fingerprint"]] = result["violations"]
        self.checked.add(without_fragment(result["url"]))
        if result["violations"]:
            self.findings.append(result)
        return None

    def finish_context(self, context) -> None:
        """Check the documents on show, then load and check those the test left unchecked."""
        if context.finished:
            return
        context.finished = True
        for page in context.raw.pages:
            self.check(page)
        missed = [url for url in dict.fromkeys(context.loaded) if url not in self.checked]
        if not missed:
            return
        page = context.raw.new_page()
        for url in missed:
            page.goto(url)
            if without_fragment(page.url) != url:
                self.unreachable.append(f"{url} (now goes to {page.url})")
                continue
            error = self.check(page)
            if url not in self.checked:
                self.unreachable.append(f"{url} ({error or 'axe did not run'})")
        page.close()

    def finish(self) -> None:
        for context in self.contexts:
            if not context.closed:
                self.finish_context(context)
        self.running = False

    def report(self) -> str | None:
        """The violations found, page by page, or None when there are none."""
        if not self.findings and not self.unreachable:
            return None
        lines = []
        if self.findings:
            count = sum(len(found["violations"]) for found in self.findings)
            lines.append(
                f"axe-core {AXE_VERSION} found {count} WCAG 2.2 A/AA violation(s) "
                f"on {len(self.findings)} page(s):"
            )
        for found in self.findings:
            lines.append(f"{found['url']}")
            for rule in found["violations"]:
                lines.append(f"  - {rule['id']} ({rule['impact']}): {rule['help']}")
                lines.extend(f"      {target}" for target in rule["targets"])
        if self.unreachable:
            lines.append("Pages axe could not check:")
            lines.extend(f"  {url}" for url in self.unreachable)
        return "\n".join(lines)


class CheckedPage:
    """A Playwright page that has axe check each document before the test acts on it."""

    def __init__(self, page, audit: Audit):
        object.__setattr__(self, "_page", page)
        object.__setattr__(self, "_audit", audit)

    def __getattr__(self, name):
        value = getattr(self._page, name)
        if callable(value) and name not in UNCHECKED_CALLS:
            self._audit.check(self._page)
        return value

    def __setattr__(self, name, value):
        setattr(self._page, name, value)

    @property
    def raw(self):
        return self._page


class CheckedContext:
    """A browser context whose pages carry axe and are checked by the test's audit."""

    def __init__(self, context, audit: Audit):
        self.raw = context
        self.audit = audit
        self.loaded: list[str] = []
        self.finished = False
        self.closed = False
        self._watched: set[int] = set()
        context.add_init_script(path=str(AXE_SCRIPT))
        context.on("page", self._watch)

    def _watch(self, page) -> None:
        if id(page) not in self._watched:
            self._watched.add(id(page))
            page.on("load", lambda loaded: self._loaded(loaded.url))

    def _loaded(self, url: str) -> None:
        if re.match(r"https?://", url):
            self.loaded.append(without_fragment(url))

    def new_page(self) -> CheckedPage:
        page = self.raw.new_page()
        self._watch(page)
        return CheckedPage(page, self.audit)

    def close(self) -> None:
        if not self.closed:
            if self.audit.running:
                self.audit.finish_context(self)
            self.closed = True
            self.raw.close()

    def __getattr__(self, name):
        return getattr(self.raw, name)


class CheckedBrowser:
    """The session's browser; each context it opens belongs to the running test's audit."""

    def __init__(self, browser):
        self.raw = browser
        self.audit = Audit()

    def new_audit(self) -> Audit:
        """A record for the next test, which remembers what axe found in earlier tests."""
        self.audit = Audit(known=self.audit.known)
        return self.audit

    def new_context(self, **options) -> CheckedContext:
        context = CheckedContext(self.raw.new_context(**options), self.audit)
        self.audit.contexts.append(context)
        return context

    def __getattr__(self, name):
        return getattr(self.raw, name)
