"""The HTML site in headless Chromium, opened from disk as a reader would open it."""

from __future__ import annotations

import json

import pytest
from docs_support import SITE, golden_project
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

# The slowest acceptable time from navigation start until the page's script has run.
USABLE_WITHIN_MS = 5000


def open_page(browser, path=SITE, fragment: str = "") -> None:
    browser.get("about:blank")  # a fresh load even when only the fragment differs
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(path.as_uri() + fragment)
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return document.documentElement.dataset.ready"))


def console_errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def visible(browser, selector: str) -> list:
    """The elements a reader can see (not hidden by CSS or the `hidden` attribute), in one round trip."""
    script = "return [...document.querySelectorAll(arguments[0])].filter(e => e.checkVisibility());"
    return browser.execute_script(script, selector)


def type_search(browser, text: str) -> None:
    box = browser.find_element(By.ID, "search")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    if text:
        box.send_keys(text)


def test_page_loads_without_console_errors_and_soon_becomes_usable(browser, output_dir) -> None:
    open_page(browser)
    assert console_errors(browser) == []
    timing = browser.execute_script(
        "const nav = performance.getEntriesByType('navigation')[0];"
        "return {usable_ms: nav.domContentLoadedEventEnd, load_ms: nav.loadEventEnd};"
    )
    files = sorted(SITE.parent.iterdir())
    timing["page_weight_bytes"] = sum(path.stat().st_size for path in files)
    (output_dir / "docs-site-timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    assert 0 < timing["usable_ms"] < USABLE_WITHIN_MS
    browser.save_screenshot(str(output_dir / "docs-site.png"))
    assert (output_dir / "docs-site.png").stat().st_size > 0


def test_every_navigation_entry_scrolls_to_its_section(browser) -> None:
    open_page(browser)
    links = browser.find_elements(By.CSS_SELECTOR, "#nav .tree a")
    anchors = browser.execute_script("return arguments[0].map(a => a.getAttribute('href').slice(1))", links)
    assert len(links) > 10
    for link, anchor in zip(links, anchors, strict=True):
        link.click()
        where = browser.execute_script(
            "const target = document.getElementById(arguments[0]);"
            "const top = target.getBoundingClientRect().top;"
            "const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;"
            "const end = scrollY <= 0 || scrollY >= document.documentElement.scrollHeight - innerHeight - 1;"
            "return {hash: location.hash, top, bar, end, height: innerHeight};",
            anchor,
        )
        assert where["hash"] == f"#{anchor}"
        # The section starts just below the top bar; the first and last ones cannot get there, the
        # page ends first: they are in view.
        at_top = where["bar"] <= where["top"] <= where["bar"] + 16
        assert at_top or (where["end"] and where["bar"] <= where["top"] < where["height"]), (anchor, where)
        if at_top:  # the entry of the section at the top is highlighted (after the next frame)
            WebDriverWait(browser, 2, poll_frequency=0.05).until(
                lambda _, link=link: link.get_attribute("aria-current")
            )


def test_a_deep_link_opens_the_page_at_its_operation(browser) -> None:
    open_page(browser)
    anchors = browser.execute_script("return [...document.querySelectorAll('section.operation')].map(s => s.id)")
    anchor = anchors[len(anchors) // 2]
    open_page(browser, fragment=f"#{anchor}")
    top, bar = browser.execute_script(
        "return [document.getElementById(arguments[0]).getBoundingClientRect().top,"
        " document.querySelector('.topbar').getBoundingClientRect().bottom]",
        anchor,
    )
    assert bar <= top <= bar + 16


def test_search_narrows_the_navigation(browser) -> None:
    open_page(browser)
    operations = visible(browser, "#nav .nav-operation")
    type_search(browser, "lookup")
    matches = visible(browser, "#nav .nav-operation")
    assert 0 < len(matches) < len(operations)
    for item in matches:
        assert "lookup" in (item.text + item.get_attribute("data-search")).lower()
    assert not visible(browser, "#nav .no-match")

    type_search(browser, "no-such-operation-anywhere")
    assert visible(browser, "#nav .tree li") == []
    assert visible(browser, "#nav .no-match")

    type_search(browser, "")
    assert len(visible(browser, "#nav .nav-operation")) == len(operations)


def test_language_tabs_switch_the_samples_and_the_choice_is_remembered(browser) -> None:
    open_page(browser)
    browser.execute_script("localStorage.clear()")
    open_page(browser)
    shell, python = visible(browser, ".sample[data-lang=shell]"), visible(browser, ".sample[data-lang=python]")
    assert shell and not python
    browser.find_element(By.CSS_SELECTOR, ".lang-tabs [data-lang=python]").click()
    assert visible(browser, ".sample[data-lang=python]") and not visible(browser, ".sample[data-lang=shell]")
    assert visible(browser, ".sample:not([data-lang])")  # JSON samples show under every tab
    open_page(browser)
    assert visible(browser, ".sample[data-lang=python]") and not visible(browser, ".sample[data-lang=shell]")
    selected = browser.find_element(By.CSS_SELECTOR, ".lang-tabs [aria-selected=true]")
    assert selected.get_attribute("data-lang") == "python"


def test_narrow_screen_has_one_column_and_a_menu(browser, output_dir) -> None:
    browser.set_window_size(390, 844)
    try:
        open_page(browser)
        overflow = browser.execute_script("return document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0
        nav = browser.find_element(By.ID, "nav")
        assert not nav.is_displayed() or nav.rect["x"] + nav.rect["width"] <= 0
        browser.find_element(By.CSS_SELECTOR, ".menu-button").click()
        WebDriverWait(browser, 5).until(lambda b: nav.rect["x"] >= 0)
        browser.save_screenshot(str(output_dir / "docs-site-narrow-menu.png"))
        link = nav.find_element(By.CSS_SELECTOR, ".nav-operation a")
        anchor = link.get_attribute("href").split("#", 1)[1]
        link.click()
        WebDriverWait(browser, 5).until(lambda b: nav.rect["x"] + nav.rect["width"] <= 0)
        top = browser.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top", anchor)
        assert 0 <= top <= 100
        browser.save_screenshot(str(output_dir / "docs-site-narrow.png"))
    finally:
        browser.set_window_size(1280, 900)


@pytest.fixture
def hostile_site(tmp_path):
    """The golden project (whose specs carry `</script>`), with live HTML added to a description."""
    injected = "<script>window.capgenInjected = 1</script> <img src=x onerror='window.capgenInjected = 2'>"
    project = golden_project(tmp_path, {"Adds a pet.": f"Adds a pet. {injected}"})
    return project.out_dir / "docs" / "site" / "index.html"


def test_script_in_spec_text_does_not_run(browser, hostile_site) -> None:
    open_page(browser, hostile_site)
    assert browser.execute_script("return window.capgenInjected") is None
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "<script>window.capgenInjected = 1</script>" in text
    assert "{{ braces }} and </script>." in text  # the golden tag description
    assert browser.find_elements(By.CSS_SELECTOR, "main img, main script") == []
    assert console_errors(browser) == []
