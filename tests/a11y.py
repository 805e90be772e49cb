"""Accessibility checks for browser tests: axe-core (vendored) run inside the page.

from tests.a11y import assert_no_serious_axe_violations
page.goto(url)
assert_no_serious_axe_violations(page)
"""

from pathlib import Path

AXE_PATH = Path(__file__).resolve().parent.parent / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")


def _load_axe(page) -> None:
    if page.evaluate("typeof window.axe") == "object":
        return
    # The enforced Content-Security-Policy refuses the inline <script> that add_script_tag injects;
    # evaluating the same source from the test's side is not subject to the page's policy.
    page.evaluate(AXE_PATH.read_text())


def axe_violations(page, *, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe finds in the page as it is now, of the given impacts."""
    _load_axe(page)
    result = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
            }));
        }""",
        WCAG_TAGS,
    )
    return [violation for violation in result if violation["impact"] in impacts]


def format_violations(violations: list[dict], *, max_nodes: int = 5) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:max_nodes]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}" + (f"  ({summary[:200]})" if summary else ""))
        if len(violation["nodes"]) > max_nodes:
            lines.append(f"    … and {len(violation['nodes']) - max_nodes} more")
    return "\n".join(lines)


def assert_no_serious_axe_violations(page) -> None:
    """Fail with a readable list (rule, help, elements) when axe finds a serious or critical violation."""
    violations = axe_violations(page)
    if violations:
        raise AssertionError(
            f"{len(violations)} serious/critical accessibility violation(s) on {page.url}:\n"
            + format_violations(violations)
        )
